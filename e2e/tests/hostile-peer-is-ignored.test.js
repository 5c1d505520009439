// User story: a hostile peer sends a forged event and then tries to overwrite a real task;
// honest peers refuse both (and count them), and their boards do not change.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually } = require('../lib/wait');
const { uniqueTitle, chooseDomain, waitForFullMesh } = require('../lib/story');

scenario('a hostile peer is ignored', (swarm) => {
  let a, b, m, honest;
  let taskId, title, boards, start;

  const rejectedTotal = async () => (await a.status.rejectedCount()) + (await b.status.rejectedCount());
  const assertBoardsUnchanged = async (step) => {
    for (const p of honest) {
      assert.deepEqual(await p.board.snapshot(), boards[p.name], `${p.name}'s board changed after ${step}`);
      const card = p.board.card(taskId);
      assert.equal(await card.title(), title, `${p.name}'s target task lost its title after ${step}`);
      assert.equal(await card.status(), 'open', `${p.name}'s target task changed status after ${step}`);
    }
  };

  swarm.step('A, B and M join and connect; A posts a task everyone sees', async () => {
    [a, b, m] = await swarm.join('A', 'B', 'M');
    honest = [a, b];
    await waitForFullMesh([a, b, m]);
    title = uniqueTitle('Transcribe a voicemail');
    ({ card: { id: taskId } } = await a.postTask({ title, description: '40 seconds, English', domain: await chooseDomain(a), reward: 2 }));
    for (const p of [a, b, m]) await p.board.waitForTask(taskId, { status: 'open' });
    boards = {};
    for (const p of honest) boards[p.name] = await p.board.snapshot();
    start = await eventually('A and B to show a rejected count', rejectedTotal);
  });

  let afterForged;
  swarm.step('M injects a forged event: A and B reject it and their boards stay the same', async () => {
    const channels = await m.hooks.injectForged();
    assert.ok(Number(channels) >= 1, `injectForged() used ${channels} channels`);
    afterForged = await eventually(`A's + B's rejected count to rise above ${start}`, async () => {
      const total = await rejectedTotal();
      assert.ok(total >= start + 1, `rejected total is ${total}`);
      return total;
    });
    await assertBoardsUnchanged('the forged event');
  });

  swarm.step("M injects an overwrite of A's task: A and B reject it and keep the task as it was", async () => {
    const channels = await m.hooks.injectOverwrite(taskId);
    assert.ok(Number(channels) >= 1, `injectOverwrite() used ${channels} channels`);
    const total = await eventually(`A's + B's rejected count to rise above ${afterForged}`, async () => {
      const now = await rejectedTotal();
      assert.ok(now >= afterForged + 1, `rejected total is ${now}`);
      return now;
    });
    assert.ok(total >= start + 2, `rejected total rose by ${total - start}, expected at least 2`);
    await assertBoardsUnchanged('the overwrite');
  });
});
