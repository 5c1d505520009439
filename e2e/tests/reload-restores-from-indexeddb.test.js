// User story: a worker reloads the tab while the relay is unreachable for it; their identity and
// the task board come back from IndexedDB before any network, and the mesh re-forms afterwards.
// Then the worker claims a task and reloads at once: their own claim is on disk before it left
// the tab, so it comes back from IndexedDB too, not from the peers.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually, RECONNECT_TIMEOUT_MS } = require('../lib/wait');
const { SignalingGate } = require('../lib/gates');
const { uniqueTitle, chooseDomain, idsAndStatuses, waitForFullMesh, waitForSameBoard } = require('../lib/story');

scenario('reload restores from IndexedDB', (swarm) => {
  let a, b, c, all;
  let bDid, before, gate, secondId;

  /** B after a reload with signaling blocked: restored, its own identity, no peers. */
  async function bRestoredOffline() {
    await b.board.waitUntilRestored({ timeout: RECONNECT_TIMEOUT_MS });
    assert.equal(await eventually("B's did after reload", () => b.status.myDid()), bDid, 'B has a new identity after reload');
  }

  async function bHasNoPeers() {
    assert.equal(await b.status.peerCount(), 0, 'B counts peers although signaling is blocked');
    assert.deepEqual(await b.peerList.dids(), [], 'B lists peers although signaling is blocked');
  }

  async function bReconnects() {
    await gate.unblock();
    await b.status.waitForRelayState('connected', { timeout: RECONNECT_TIMEOUT_MS });
    await b.waitForPeers([a, c], { timeout: RECONNECT_TIMEOUT_MS });
    await a.waitForPeers([b], { timeout: RECONNECT_TIMEOUT_MS });
    await c.waitForPeers([b], { timeout: RECONNECT_TIMEOUT_MS });
  }

  swarm.step('A, B and C join and connect', async () => {
    [a, b, c] = await swarm.join('A', 'B', 'C');
    all = [a, b, c];
    await waitForFullMesh(all);
  });

  swarm.step('A posts two tasks and B claims one; B holds every event', async () => {
    const domain = await chooseDomain(a);
    const { card: first } = await a.postTask({ title: uniqueTitle('Label 40 photos'), description: 'bounding boxes', domain, reward: 3 });
    const { card: second } = await a.postTask({ title: uniqueTitle('Check a receipt'), description: 'sum the lines', domain, reward: 2 });
    secondId = second.id;
    await b.board.waitForTask(second.id, { status: 'open' });
    await (await b.board.waitForTask(first.id, { status: 'open' })).claim();
    for (const p of all) await p.board.waitForTask(first.id, { status: 'claimed' });
    before = await waitForSameBoard(a, [b, c]);
    await eventually("B's local store to hold as many events as A's", async () => {
      assert.equal(await b.board.eventCount(), await a.board.eventCount());
    });
    // Events from peers are saved on a short debounce: wait until the tab says all are on disk.
    await b.board.waitUntilSaved();
    bDid = await b.did();
  });

  swarm.step('B reloads with signaling blocked: same did and board, restored, no peers', async () => {
    gate = new SignalingGate(b.context);
    await gate.block();
    await b.reload();
    await bRestoredOffline();
    await eventually("B's restored board to match the one before reload", async () =>
      assert.deepEqual(idsAndStatuses(await b.board.snapshot()), before),
    );
    await bHasNoPeers();
    assert.ok(await b.board.restored(), 'data-restored went away');
    await eventually('the app to have tried signaling (and been refused)', () => assert.ok(gate.refused >= 1, `refused ${gate.refused}`));
    assert.notEqual(await b.status.relayState(), 'connected', 'B says the relay is connected while signaling is refused');
  });

  swarm.step('signaling unblocked: B reconnects to both peers and keeps its board', async () => {
    await bReconnects();
    assert.deepEqual(idsAndStatuses(await b.board.snapshot()), before);
    assert.equal(await b.did(), bDid);
  });

  swarm.step('B claims the other task and reloads at once with signaling blocked: the claim comes back from disk', async () => {
    const card = await b.board.waitForTask(secondId, { status: 'open' });
    await gate.block();
    const refusedBefore = gate.refused;
    await card.claim();
    await b.reload(); // no wait in between: the app writes its own events before sending them
    await bRestoredOffline();
    await b.board.card(secondId).waitForStatus('claimed');
    assert.equal(await b.board.card(secondId).claimant(), bDid, 'the restored claim is not B’s');
    await bHasNoPeers();
    await eventually('the app to have tried signaling again (and been refused)', () =>
      assert.ok(gate.refused > refusedBefore, `refused ${gate.refused - refusedBefore} since the claim`),
    );
  });

  swarm.step('signaling unblocked: B reconnects and everyone sees its claim', async () => {
    await bReconnects();
    for (const p of all) await p.board.waitForTask(secondId, { status: 'claimed' });
    assert.equal(await a.board.card(secondId).claimant(), bDid);
    await waitForSameBoard(a, [b, c]);
  });
});
