// User story: three people open Amorph; the relay introduces them and each sees the other two.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually } = require('../lib/wait');

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
});
