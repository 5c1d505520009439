// User story: a requester posts a task, a worker claims it and submits a result, the requester
// accepts it, the worker's tab signs the receipt — and every peer ends with the same board, the
// same money and the same karma for the worker.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually } = require('../lib/wait');
const { uniqueTitle, chooseDomain, waitForFullMesh } = require('../lib/story');

// EMA with α = 0.1 from 0 after one accepted task: 0.1 · 1 + 0.9 · 0.
const KARMA_AFTER_ONE_ACCEPT = '0.100';

scenario('a task travels from post to accept', (swarm) => {
  let a, b, c, all;
  let taskId, domain;
  const title = uniqueTitle('Translate the onboarding page');
  const result = 'Done: translated all 12 paragraphs';

  swarm.step('A, B and C join and connect', async () => {
    [a, b, c] = await swarm.join('A', 'B', 'C');
    all = [a, b, c];
    await waitForFullMesh(all);
  });

  swarm.step('A posts a task and B and C see it open', async () => {
    domain = await chooseDomain(a);
    const { card } = await a.postTask({ title, description: 'Into plain German, keep the headings', domain, reward: 5 });
    taskId = card.id;
    for (const p of all) {
      const seen = await p.board.waitForTask(taskId, { status: 'open' });
      assert.equal(await seen.title(), title, `${p.name} shows another title`);
    }
    // Who may claim an open task: anyone but its requester (so C's missing button later means something).
    await eventually('B and C to be offered "claim"', async () => {
      assert.equal(await b.board.card(taskId).claimButtons(), 1, 'B has no claim button on an open task');
      assert.equal(await c.board.card(taskId).claimButtons(), 1, 'C has no claim button on an open task');
    });
    assert.equal(await a.board.card(taskId).claimButtons(), 0, 'A can claim its own task');
  });

  swarm.step('B claims it; everyone sees B as claimant and C has no claim button', async () => {
    const bDid = await b.did();
    await b.board.card(taskId).claim();
    for (const p of all) {
      const card = await p.board.waitForTask(taskId, { status: 'claimed' });
      await eventually(`${p.name} to show B as the claimant`, async () => assert.equal(await card.claimant(), bDid));
    }
    assert.equal(await c.board.card(taskId).claimButtons(), 0, 'C can still claim a task B has claimed');
  });

  swarm.step('B submits a result and everyone sees it', async () => {
    await b.board.card(taskId).submitResult(result);
    for (const p of all) {
      const card = await p.board.waitForTask(taskId, { status: 'submitted' });
      await eventually(`${p.name} to show B's result`, async () => assert.match(await card.result(), new RegExp(escape(result))));
    }
  });

  swarm.step("A accepts; B's receipt settles it; all three show the same karma and money", async () => {
    const bDid = await b.did();
    await a.board.card(taskId).accept();
    for (const p of all) await p.board.waitForTask(taskId, { status: 'settled' });
    const seen = {};
    for (const p of all) {
      const row = p.karma.row(bDid);
      seen[p.name] = await eventually(`${p.name} to show B's karma after one accepted task`, async () => {
        const completion = await row.completion();
        const accuracy = await row.accuracy(domain);
        assert.equal(completion, KARMA_AFTER_ONE_ACCEPT, `completion ${completion}`);
        assert.equal(accuracy, KARMA_AFTER_ONE_ACCEPT, `accuracy for "${domain}" ${accuracy}`);
        return { completion, accuracy };
      });
    }
    assert.deepEqual(seen.B, seen.A);
    assert.deepEqual(seen.C, seen.A);
    assert.equal(await c.board.card(taskId).claimButtons(), 0, 'C can claim a settled task');
    // B's stake came back and it was paid; A's escrow is gone.
    const bWallet = await b.wallet.figures();
    assert.ok(bWallet.balance > 100, `B's balance after being paid is ${bWallet.balance}`);
    assert.equal(bWallet.staked, 0, 'B still has money staked');
    assert.equal((await a.wallet.figures()).escrowed, 0, 'A still has money in escrow');
    assert.ok((await b.wallet.historyKinds()).includes('payout'), "B's history shows no payout");
    const reference = await a.karma.table();
    for (const p of [b, c]) {
      await eventually(`${p.name}'s members table to equal A's`, async () => assert.deepEqual(await p.karma.table(), reference));
    }
  });
});

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
