// User story: a requester rejects a worker's result, the worker disputes it, three members of
// standing are drawn as the jury, the majority says the result stands — and the verdict pays the
// worker, pays the majority jurors their fee, moves everyone's karma, and all five screens show
// the same money and karma for everyone.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually } = require('../lib/wait');
const { uniqueTitle, waitForFullMesh } = require('../lib/story');

// The relay's welcome grant (e2e/lib/relay.js) and the genesis defaults the relay founds with:
// 10% stake, fees 75% executor / 15% routing / 10% protocol, a jury of 3 deciding by 2 votes.
const GRANT = 100;
const WARM_UP_PAYMENT = 2;
const PAYMENT = 20;
const EXECUTOR_SHARE = 15;
const ROUTING_SHARE = 3;
const PROTOCOL_SHARE = 2;
const STAKE = 2;

scenario('a disputed task goes to a jury', (swarm) => {
  let requester, worker, jurors, all;
  let taskId;

  swarm.step('a requester, a worker and three jurors join, connect and get their welcome grants', async () => {
    [requester, worker, ...jurors] = await swarm.join('Requester', 'Worker', 'Juror1', 'Juror2', 'Juror3');
    all = [requester, worker, ...jurors];
    await waitForFullMesh(all);
    for (const p of all) assert.equal((await p.wallet.waitForBalance(GRANT)).balance, GRANT, `${p.name}'s welcome balance`);
  });

  swarm.step('each juror earns standing with one accepted task', async () => {
    for (const juror of jurors) {
      const { card } = await requester.postTask({ title: uniqueTitle(`Warm-up for ${juror.name}`), domain: 'review', reward: WARM_UP_PAYMENT });
      const seen = await juror.board.waitForTask(card.id, { status: 'open' });
      await eventually(`${juror.name} to be offered "claim"`, async () => assert.equal(await seen.claimButtons(), 1));
      await seen.claim();
      await juror.board.waitForTask(card.id, { status: 'claimed' });
      await seen.submitResult(`checked by ${juror.name}`);
      const decided = await requester.board.waitForTask(card.id, { status: 'submitted' });
      await decided.accept();
      await juror.board.waitForTask(card.id, { status: 'settled' });
    }
  });

  swarm.step('a gated task shows the worker why it cannot claim it', async () => {
    const { card } = await requester.postTask({
      title: uniqueTitle('Audit the ledger'),
      domain: 'audit',
      reward: 1,
      gate: { dimension: 'accuracy.audit', min: '0.5' },
    });
    const seen = await worker.board.waitForTask(card.id, { status: 'open' });
    await eventually("the worker's card to show the unmet gate", async () => {
      assert.match(await seen.gateText(), /accuracy\.audit is 0\.000, needs 0\.500/);
    });
    assert.equal(await seen.claimButtons(), 0, 'the worker is offered "claim" on a task it is not qualified for');
  });

  swarm.step('the worker claims the task with a stake, submits, and the requester rejects it', async () => {
    const { card } = await requester.postTask({ title: uniqueTitle('Summarise the quarterly report'), domain: 'writing', reward: PAYMENT });
    taskId = card.id;
    const seen = await worker.board.waitForTask(taskId, { status: 'open' });
    await eventually('the worker to be offered "claim"', async () => assert.equal(await seen.claimButtons(), 1));
    await seen.claim();
    await eventually('the worker to show its stake locked', async () => assert.equal((await worker.wallet.figures()).staked, STAKE));
    await worker.board.waitForTask(taskId, { status: 'claimed' });
    await seen.submitResult('Revenue up 4%, costs flat; three risks listed on page 2.');
    await (await requester.board.waitForTask(taskId, { status: 'submitted' })).reject('Misses the cash-flow section');
    await worker.board.waitForTask(taskId, { status: 'rejected' });
  });

  swarm.step('the worker disputes: all five see the case and only the three jurors are asked to vote', async () => {
    await worker.board.card(taskId).dispute('The cash-flow section is in paragraph 3');
    const jurorDids = await Promise.all(jurors.map((j) => j.did()));
    for (const p of all) {
      const card = await p.board.waitForTask(taskId, { status: 'judging' });
      const jury = await card.jury();
      assert.deepEqual([...jury.jurors.map((j) => j.did)].sort(), [...jurorDids].sort(), `${p.name} shows another jury`);
    }
    for (const juror of jurors) {
      await eventually(`${juror.name} to be asked to vote`, async () => assert.ok(await juror.board.card(taskId).hasJuryDuty()));
    }
    for (const party of [requester, worker]) assert.equal(await party.board.card(taskId).hasJuryDuty(), false, `${party.name} is asked to vote`);
  });

  swarm.step('Juror1 says the result stands, Juror3 disagrees, Juror2 makes the majority', async () => {
    const [j1, j2, j3] = jurors;
    for (const [juror, forExecutor] of [[j1, true], [j3, false], [j2, true]]) {
      await juror.board.card(taskId).vote(forExecutor);
      await eventually(`${juror.name}'s vote to be counted`, async () => assert.equal(await juror.board.card(taskId).hasJuryDuty(), false));
    }
    for (const p of all) {
      const card = await p.board.waitForTask(taskId, { status: 'settled' });
      assert.equal((await card.jury()).verdict, 'verdict: the result stands', `${p.name}'s verdict`);
    }
    // A majority may reach a page before the minority vote does: wait for all three.
    await eventually("the requester's timeline to show the whole signed story", async () => {
      const story = (await requester.board.card(taskId).timelineKinds()).filter((k) => k !== 'task-posted');
      assert.deepEqual(story, ['task-claimed', 'result-submitted', 'result-rejected', 'dispute', 'jury-vote', 'jury-vote', 'jury-vote']);
    });
  });

  swarm.step('the verdict settled funds and karma, and all five pages show the same figures', async () => {
    const [j1, j2, j3] = jurors;
    const dids = Object.fromEntries(await Promise.all(all.map(async (p) => [p.name, await p.did()])));
    const reference = await eventually("the requester's members table to list everyone", async () => {
      const table = await requester.karma.table();
      for (const [name, did] of Object.entries(dids)) assert.ok(table[did], `${name} is not listed`);
      return table;
    });
    for (const p of all.slice(1)) {
      await eventually(`${p.name}'s members table to equal the requester's`, async () => assert.deepEqual(await p.karma.table(), reference));
    }
    for (const p of all) {
      const own = await p.wallet.figures();
      assert.equal(String(own.balance), reference[dids[p.name]].balance, `${p.name}'s wallet and the members table disagree`);
    }
    const balance = (p) => Number(reference[dids[p.name]].balance);
    assert.equal(balance(worker), GRANT + EXECUTOR_SHARE + ROUTING_SHARE, "the worker was not paid its shares (or lost its stake)");
    // The gated task is still open: its payment stays in escrow.
    assert.equal(balance(requester), GRANT - 3 * WARM_UP_PAYMENT - 1 - PAYMENT, 'the requester paid other than its tasks');
    assert.equal(reference[dids.Requester].locked, '1 / 0', "the requester's escrow is not the open task's payment");
    const fee = PROTOCOL_SHARE / 2;
    assert.equal(balance(j1) - balance(j3), fee, 'a majority juror did not get its fee over the minority juror');
    assert.equal(balance(j2), balance(j1), 'the two majority jurors were paid differently');
    assert.equal(reference[dids.Worker].completion, '0.100', "the worker's completion did not move with the verdict");
    const j1Karma = await requester.karma.chartOf(dids.Juror1);
    const j3Karma = await requester.karma.chartOf(dids.Juror3);
    assert.equal(j1Karma.jury, '0.100', 'a majority juror did not gain jury karma');
    assert.equal(j3Karma.jury, '0.000', 'the minority juror gained jury karma');
    assert.ok((await j1.wallet.historyKinds()).includes('jury fee'), "Juror1's history shows no jury fee");
    assert.ok(!(await j3.wallet.historyKinds()).includes('jury fee'), "Juror3's history shows a jury fee");
  });
});
