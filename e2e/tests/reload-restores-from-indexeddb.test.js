// User story: a worker reloads the tab while the relay is unreachable for it; their identity and
// the task board come back from IndexedDB before any network, and the mesh re-forms afterwards.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually, RECONNECT_TIMEOUT_MS } = require('../lib/wait');
const { SignalingGate } = require('../lib/signaling-gate');
const { uniqueTitle, chooseDomain, idsAndStatuses, waitForFullMesh, waitForSameBoard } = require('../lib/story');

scenario('reload restores from IndexedDB', (swarm) => {
  let a, b, c, all;
  let bDid, before, gate;

  swarm.step('A, B and C join and connect', async () => {
    [a, b, c] = await swarm.join('A', 'B', 'C');
    all = [a, b, c];
    await waitForFullMesh(all);
  });

  swarm.step('A posts two tasks and B claims one; B holds every event', async () => {
    const domain = await chooseDomain(a);
    const { card: first } = await a.postTask({ title: uniqueTitle('Label 40 photos'), description: 'bounding boxes', domain, reward: 3 });
    const { card: second } = await a.postTask({ title: uniqueTitle('Check a receipt'), description: 'sum the lines', domain, reward: 2 });
    await b.board.waitForTask(second.id, { status: 'open' });
    await (await b.board.waitForTask(first.id, { status: 'open' })).claim();
    for (const p of all) await p.board.waitForTask(first.id, { status: 'claimed' });
    before = await waitForSameBoard(a, [b, c]);
    const events = await eventually("B's local store to hold as many events as A's", async () => {
      const n = await b.board.eventCount();
      assert.equal(n, await a.board.eventCount());
      return n;
    });
    // The app saves its store on a short debounce: a reload before that save loses the newest
    // events locally. Wait for the save, so the reload tests restoring, not that race.
    await b.localDb.waitUntilSaved(events);
    bDid = await b.did();
  });

  swarm.step('B reloads with signaling blocked: same did and board, restored, no peers', async () => {
    gate = new SignalingGate(b.context);
    await gate.block();
    await b.reload();
    await b.board.waitUntilRestored({ timeout: RECONNECT_TIMEOUT_MS });
    assert.equal(await eventually("B's did after reload", () => b.status.myDid()), bDid, 'B has a new identity after reload');
    await eventually("B's restored board to match the one before reload", async () =>
      assert.deepEqual(idsAndStatuses(await b.board.snapshot()), before),
    );
    assert.equal(await b.status.peerCount(), 0, 'B counts peers although signaling is blocked');
    assert.deepEqual(await b.peerList.dids(), [], 'B lists peers although signaling is blocked');
    assert.ok(await b.board.restored(), 'data-restored went away');
    await eventually('the app to have tried signaling (and been refused)', () => assert.ok(gate.refused >= 1, `refused ${gate.refused}`));
    assert.notEqual(await b.status.relayState(), 'connected', 'B says the relay is connected while signaling is refused');
  });

  swarm.step('signaling unblocked: B reconnects to both peers and keeps its board', async () => {
    await gate.unblock();
    await b.status.waitForRelayState('connected', { timeout: RECONNECT_TIMEOUT_MS });
    await b.waitForPeers([a, c], { timeout: RECONNECT_TIMEOUT_MS });
    await a.waitForPeers([b], { timeout: RECONNECT_TIMEOUT_MS });
    await c.waitForPeers([b], { timeout: RECONNECT_TIMEOUT_MS });
    assert.deepEqual(idsAndStatuses(await b.board.snapshot()), before);
    assert.equal(await b.did(), bDid);
  });
});
