// User story: A shows an invite — a link and its QR code — for the swarm it is in. B opens that
// link: B joins A's swarm through the relays the invite names (the first of which is down, so B
// moves on to the next), says whose invite it came through, and links to A. C opens a link whose
// invite is damaged, D one for another swarm: each is told why the invite cannot be used and
// works as if it had opened the app without one.
'use strict';

const assert = require('node:assert/strict');
const net = require('node:net');
const { scenario } = require('../lib/swarm');
const { eventually } = require('../lib/wait');

/** A port on 127.0.0.1 where nothing listens (taken from the OS, then released). */
async function deadPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

scenario('an invite brings a newcomer', (swarm) => {
  let a;
  let link;
  let fragment;

  swarm.step("A's invite names A, A's swarm and A's relay, and its QR code scans to the same link", async () => {
    [a] = await swarm.join('A');
    await a.status.waitForRelayState('connected');
    link = await eventually("A's invite link", () => a.invite.link());
    const url = new URL(link);
    assert.equal(url.origin, new URL(swarm.url).origin, `the link opens another site: ${link}`);
    fragment = url.hash.slice(1);
    const params = new URLSearchParams(fragment.replace(/^invite\?/, ''));
    assert.ok(fragment.startsWith('invite?'), `not an invite fragment: ${fragment}`);
    assert.equal(params.get('from'), await a.did(), 'the invite names someone else');
    assert.equal(params.get('swarm'), await a.status.swarmId(), 'the invite names another swarm');
    assert.deepEqual(params.getAll('relay'), [await a.status.relayAddress()], "the invite does not name A's relay");
    assert.equal(await a.invite.scanQrCode(), link, 'the QR code does not read back as the link');
  });

  swarm.step('B opens the link with a dead relay put first: B moves on to the live one, joins and links to A', async () => {
    const dead = `ws://127.0.0.1:${await deadPort()}/signal`;
    const params = new URLSearchParams(fragment.replace(/^invite\?/, ''));
    const relays = params.getAll('relay');
    params.delete('relay');
    for (const relay of [dead, ...relays]) params.append('relay', relay);
    const b = await swarm.joinWith('B', { fragment: `invite?${params}` });
    assert.equal(await eventually("B's invite arrival", () => b.invite.arrivedFrom()), await a.did(), 'B names another inviter');
    await b.status.waitForRelayState('connected');
    assert.equal(await b.status.relayAddress(), relays[0], 'B is not on the live relay the invite names');
    await b.waitForPeers([a]);
    await a.waitForPeers([b]);
    assert.equal(await b.status.swarmId(), await a.status.swarmId(), 'B is in another swarm');
    const ownLink = new URL(await eventually("B's own invite link", () => b.invite.link()));
    const ownRelays = new URLSearchParams(ownLink.hash.slice(1).replace(/^invite\?/, '')).getAll('relay');
    assert.deepEqual(ownRelays, [dead, ...relays], "B's own invite does not pass on the relays it was given");
  });

  swarm.step('C opens a damaged invite and D one for another swarm: each says why and joins as usual', async () => {
    const damaged = fragment.replace(/swarm=[0-9a-f]{6}/, 'swarm=zzzzzz');
    const c = await swarm.joinWith('C', { fragment: damaged });
    assert.match(await eventually("C's invite problem", () => c.invite.arrivalProblem()), /cannot be used: .*swarm.*genesis id/);
    const other = fragment.replace(/swarm=[0-9a-f]{64}/, `swarm=${'01'.repeat(32)}`);
    const d = await swarm.joinWith('D', { fragment: other });
    assert.match(await eventually("D's invite problem", () => d.invite.arrivalProblem()), /for swarm 01010101, but this tab belongs to swarm/);
    for (const p of [c, d]) {
      await p.status.waitForRelayState('connected');
      await p.waitForPeers([a]);
    }
  });
});
