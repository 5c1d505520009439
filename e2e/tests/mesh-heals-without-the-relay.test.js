// User story: eight people open Amorph with at most three links each. Events reach all eight
// through the mesh. Two of them close their tabs: the rest repair their links and keep getting
// every event. Then the relay goes away and one more tab closes: the survivors open new links
// through the mesh itself (offers and answers passed along by neighbours) and still get every event.
// The tab that closes is one whose going leaves the others linked together: without a relay, two
// groups with no link between them have no way to signal each other (docs/mesh.md).
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually, RECONNECT_TIMEOUT_MS } = require('../lib/wait');
const { uniqueTitle, chooseDomain } = require('../lib/story');

const ACTIVE_MAX = 3;
const NAMES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
/** Repairs take a few mesh rounds (neighbour requests time out after 2 s, links open in ~1 s). */
const REPAIR_TIMEOUT_MS = 60_000;

/** Waits until every peer has between 1 and ACTIVE_MAX neighbours, none of them among `gone`. */
async function waitForRepairedMesh(peers, gone = []) {
  const goneDids = [];
  for (const g of gone) goneDids.push(await g.did());
  const live = [];
  for (const p of peers) live.push(await p.did());
  for (const p of peers) {
    await eventually(
      `${p.name}'s mesh to hold 1 to ${ACTIVE_MAX} live neighbours`,
      async () => {
        const neighbors = await p.mesh.neighbors();
        assert.ok(neighbors.length >= 1 && neighbors.length <= ACTIVE_MAX, `${p.name} has ${neighbors.length} neighbours`);
        const stale = neighbors.filter((n) => goneDids.includes(n));
        assert.deepEqual(stale, [], `${p.name} still counts a closed tab as a neighbour`);
        assert.ok(neighbors.every((n) => live.includes(n)), `${p.name} has a neighbour outside the test`);
      },
      { timeout: REPAIR_TIMEOUT_MS },
    );
  }
}

/** Whether the peers other than `gone` stay connected, by the neighbour lists `links` (name -> dids). */
function connectedWithout(gone, links, dids) {
  const names = [...links.keys()].filter((n) => n !== gone);
  const byDid = new Map(names.map((n) => [dids.get(n), n]));
  const seen = new Set([names[0]]);
  const queue = [names[0]];
  while (queue.length) {
    const name = queue.shift();
    for (const did of links.get(name)) {
      const next = byDid.get(did);
      if (next && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen.size === names.length;
}

/** `author` posts a task; every one of `readers` shows it. Returns its id. */
async function postAndSpread(author, readers, domain, what) {
  const { card } = await author.postTask({ title: uniqueTitle(what), description: 'travels through the mesh', domain, reward: 1 });
  for (const p of readers) await p.board.waitForTask(card.id, { status: 'open', timeout: REPAIR_TIMEOUT_MS });
  return card.id;
}

scenario('the mesh heals without the relay', (swarm) => {
  let peers;
  let domain;
  const taskIds = [];

  swarm.step(`eight tabs with at most ${ACTIVE_MAX} links each form one mesh; tasks from three of them reach all eight`, async () => {
    peers = [];
    for (const name of NAMES) peers.push(await swarm.joinWith(name, { query: `mesh-active=${ACTIVE_MAX}` }));
    await waitForRepairedMesh(peers);
    domain = await chooseDomain(peers[0]);
    for (const author of [peers[0], peers[3], peers[7]]) taskIds.push(await postAndSpread(author, peers, domain, `Task from ${author.name}`));
    const rtts = await eventually("A's round-trip times", async () => {
      const shown = await peers[0].mesh.roundTrips();
      assert.ok(shown.length >= 1, 'no round-trip time shown');
      return shown;
    });
    assert.ok(rtts.every((t) => /^\d+ ms$/.test(t)), `odd round-trip labels: ${rtts}`);
  });

  swarm.step('B and C close their tabs: the other six repair their links and still get every event', async () => {
    const closed = peers.filter((p) => ['B', 'C'].includes(p.name));
    for (const p of closed) await p.context.close();
    peers = peers.filter((p) => !closed.includes(p));
    await waitForRepairedMesh(peers, closed);
    taskIds.push(await postAndSpread(peers[2], peers, domain, 'Task after two tabs closed'));
  });

  swarm.step('the relay stops and one more tab closes: the survivors link anew through the mesh and still get every event', async () => {
    await swarm.relay.stop();
    for (const p of peers) await p.status.waitForRelayState('relay down', { timeout: RECONNECT_TIMEOUT_MS });
    const before = new Map();
    const dids = new Map();
    for (const p of peers) {
      before.set(p.name, await p.mesh.neighbors());
      dids.set(p.name, await p.did());
    }
    const d = peers.find((p) => before.get(p.name).length >= 1 && connectedWithout(p.name, before, dids));
    assert.ok(d, `every tab is the only bridge between others: ${JSON.stringify([...before.entries()])}`);
    const dDid = dids.get(d.name);
    await d.context.close();
    peers = peers.filter((p) => p !== d);
    await waitForRepairedMesh(peers, [d]);
    const orphans = [...before.entries()].filter(([, ns]) => ns.includes(dDid)).map(([name]) => name);
    assert.ok(orphans.length >= 1, `${d.name} had no neighbours before it closed`);
    // D's neighbours lost a link with the relay gone: new ones can only be signaled through the mesh.
    await eventually(
      `one of ${d.name}'s former neighbours (${orphans.join(', ')}) to link with a peer it was not linked with`,
      async () => {
        const relinked = [];
        for (const p of peers.filter((p) => orphans.includes(p.name))) {
          const fresh = (await p.mesh.neighbors()).filter((n) => !before.get(p.name).includes(n));
          if (fresh.length) relinked.push(p.name);
        }
        assert.ok(relinked.length >= 1, 'none has a new neighbour yet');
      },
      { timeout: REPAIR_TIMEOUT_MS },
    );
    taskIds.push(await postAndSpread(peers[peers.length - 1], peers, domain, 'Task without the relay'));
    for (const p of peers) for (const id of taskIds) await p.board.waitForTask(id, { status: 'open' });
  });
});
