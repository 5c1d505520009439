// User story: three people open Amorph; they join the swarm the relay founded, the relay introduces
// them and each sees the other two. When the relay comes back founding another swarm, every tab says
// so, stays in its own swarm and keeps its peers, while a new tab joins the relay's new swarm alone.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually, RECONNECT_TIMEOUT_MS } = require('../lib/wait');

scenario('three peers connect', (swarm) => {
  let peers;

  swarm.step('A, B and C open the app, each with its own identity', async () => {
    peers = await swarm.join('A', 'B', 'C');
    const dids = [];
    for (const p of peers) dids.push(await p.did());
    assert.equal(new Set(dids).size, 3, `three distinct identities expected, got ${dids.join(', ')}`);
    for (const p of peers) assert.notEqual(await p.status.myDidShort(), '', `${p.name} shows an empty short did`);
  });

  swarm.step('each lists the other two by full did and its relay status is connected', async () => {
    for (const p of peers) {
      const others = peers.filter((o) => o !== p);
      await p.waitForPeers(others);
      await p.status.waitForRelayState('connected');
    }
    for (const p of peers) {
      const listed = await p.peerList.dids();
      assert.ok(!listed.includes(await p.did()), `${p.name} lists itself as a peer`);
      await eventually(`${p.name}'s peer-count to agree with its peer list`, async () => {
        const count = await p.status.peerCount();
        const now = await p.peerList.dids();
        assert.equal(count, now.length, `peer-count ${count} but ${now.length} peer-items`);
        assert.ok(count >= 2, `peer-count ${count} < 2`);
      });
    }
  });

  swarm.step("all three show the relay's swarm", async () => {
    const { swarm: relaySwarm } = await swarm.relay.health();
    assert.match(String(relaySwarm), /^[0-9a-f]{64}$/, `/health has no swarm id: ${relaySwarm}`);
    for (const p of peers) {
      assert.equal(await eventually(`${p.name}'s swarm id`, () => p.status.swarmId()), relaySwarm, `${p.name} is in another swarm`);
      assert.equal(await p.status.swarmName(), 'Amorph', `${p.name} shows another swarm name`);
    }
  });

  swarm.step('each worker panel reports ready with at least one core', async () => {
    for (const p of peers) {
      await eventually(
        `${p.name}'s worker to be ready`,
        async () => {
          const s = await p.hardware.workerStatus();
          if (s === 'failed') throw Object.assign(new Error(`${p.name}'s worker-status is "failed"`), { fatal: true });
          assert.equal(s, 'ready');
        },
        { timeout: 90_000 },
      );
      assert.ok((await p.hardware.cores()) >= 1, `${p.name} reports fewer than one core`);
      assert.match(await p.hardware.webgpu(), /^(yes|no)$/, `${p.name}'s hw-webgpu is neither yes nor no`);
    }
  });

  swarm.step('the relay comes back founding another swarm: each tab says so, stays in its own swarm and keeps its peers', async () => {
    const ours = await peers[0].status.swarmId();
    await swarm.relay.restart({ newSwarm: true });
    const { swarm: theirs } = await swarm.relay.health();
    assert.notEqual(theirs, ours, 'a fresh data directory founded the same swarm');
    for (const p of peers) {
      await p.status.waitForRelayState('other swarm', { timeout: RECONNECT_TIMEOUT_MS });
      const problem = await eventually(`${p.name} to explain the other swarm`, () => p.status.swarmProblem());
      assert.match(problem, /another swarm/, `${p.name}'s problem does not name the other swarm: ${problem}`);
      assert.equal(await p.status.swarmId(), ours, `${p.name} moved to the relay's swarm`);
    }
    for (const p of peers) await p.waitForPeers(peers.filter((o) => o !== p));
    const [d] = await swarm.join('D');
    assert.equal(await eventually("D's swarm id", () => d.status.swarmId()), theirs, 'a new tab did not join the relay’s swarm');
    await d.status.waitForRelayState('connected');
    assert.deepEqual(await d.peerList.dids(), [], 'D met peers of another swarm through the relay');
  });
});
