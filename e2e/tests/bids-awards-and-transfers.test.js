// User story: a requester takes bids instead of the first claim — two workers bid, the requester
// awards the cheaper one, only the awardee may claim and its stake follows the bid's price — and
// money sent from one wallet to another shows the same on every page; an overdraft is refused.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually } = require('../lib/wait');
const { uniqueTitle, waitForFullMesh } = require('../lib/story');

const GRANT = 100;
const PAYMENT = 40;
const CHEAP_BID = 30;
// 10% of the awarded price, rounded up.
const STAKE_AT_CHEAP_BID = 3;

scenario('bids, awards and transfers', (swarm) => {
  let a, b, c, all, taskId;

  swarm.step('A, B and C join, connect and get their welcome grants', async () => {
    [a, b, c] = await swarm.join('A', 'B', 'C');
    all = [a, b, c];
    await waitForFullMesh(all);
    for (const p of all) await p.wallet.waitForBalance(GRANT);
  });

  swarm.step('A posts a task; B and C bid; everyone sees both bids', async () => {
    const { card } = await a.postTask({ title: uniqueTitle('Design a logo'), domain: 'design', reward: PAYMENT });
    taskId = card.id;
    await (await b.board.waitForTask(taskId, { status: 'open' })).bid(PAYMENT - 2, 48);
    await (await c.board.waitForTask(taskId, { status: 'open' })).bid(CHEAP_BID, 24);
    const [bDid, cDid] = [await b.did(), await c.did()];
    for (const p of all) {
      await eventually(`${p.name} to show both bids`, async () => {
        const bids = await p.board.card(taskId).bids();
        assert.deepEqual(bids.map((x) => x.did).sort(), [bDid, cDid].sort());
      });
    }
  });

  swarm.step('A awards C: the price drops to the bid, the rest of the escrow comes back, only C may claim', async () => {
    const cDid = await c.did();
    await a.board.card(taskId).award(cDid);
    for (const p of all) await p.board.waitForTask(taskId, { status: 'awarded' });
    assert.equal(await a.board.card(taskId).price(), CHEAP_BID);
    await eventually("A's escrow to hold only the awarded price", async () => {
      const figures = await a.wallet.figures();
      assert.deepEqual([figures.balance, figures.escrowed], [GRANT - CHEAP_BID, CHEAP_BID]);
    });
    await eventually('C to be offered "claim"', async () => assert.equal(await c.board.card(taskId).claimButtons(), 1));
    assert.equal(await b.board.card(taskId).claimButtons(), 0, 'B may claim a task awarded to C');
    await c.board.card(taskId).claim();
    for (const p of all) await p.board.waitForTask(taskId, { status: 'claimed' });
    assert.equal((await c.wallet.figures()).staked, STAKE_AT_CHEAP_BID);
  });

  swarm.step('A sends B 5: both wallets and every members table agree; an overdraft is refused', async () => {
    const bDid = await b.did();
    assert.match(await a.wallet.transfer(bDid, 5), /Sent 5/);
    await eventually("B's balance to show the transfer", async () => assert.equal((await b.wallet.figures()).balance, GRANT + 5));
    assert.equal((await a.wallet.figures()).balance, GRANT - CHEAP_BID - 5);
    assert.ok((await b.wallet.historyKinds()).includes('transfer in'));
    const reference = await a.karma.table();
    for (const p of [b, c]) {
      await eventually(`${p.name}'s members table to equal A's`, async () => assert.deepEqual(await p.karma.table(), reference));
    }
    const events = await a.board.eventCount();
    assert.match(await b.wallet.transfer(await a.did(), 1_000_000), /Could not send/);
    assert.equal(await b.board.eventCount(), events, 'a refused transfer was still signed and stored');
  });
});
