// User story: the relay is the swarm's memory. A requester posts a task and closes the tab; a
// worker who opens the app later, with nobody else online, still finds the task (the relay kept
// it). After a relay restart on the same data directory the next newcomer finds it too.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually, RECONNECT_TIMEOUT_MS } = require('../lib/wait');
const { uniqueTitle, chooseDomain } = require('../lib/story');

scenario('relay keeps history', (swarm) => {
  let a, b, c;
  let taskId, archived;

  swarm.step('A posts a task; the relay archives it; A closes the app', async () => {
    [a] = await swarm.join('A');
    await a.status.waitForRelayState('connected', { timeout: RECONNECT_TIMEOUT_MS });
    const before = (await swarm.relay.health()).events;
    const domain = await chooseDomain(a);
    ({ card: { id: taskId } } = await a.postTask({ title: uniqueTitle('Transcribe a voicemail'), description: 'posted, then gone', domain, reward: 2 }));
    archived = await eventually('the relay to archive A\'s task', async () => {
      const { events } = await swarm.relay.health();
      assert.ok(events > before, `relay holds ${events} events, had ${before}`);
      return events;
    });
    await a.context.close();
  });

  swarm.step('B opens the app with nobody else online and sees the task, from the relay', async () => {
    [b] = await swarm.join('B');
    await b.status.waitForRelayState('connected', { timeout: RECONNECT_TIMEOUT_MS });
    await b.board.waitForTask(taskId, { status: 'open', timeout: RECONNECT_TIMEOUT_MS });
    assert.equal(await b.status.peerCount(), 0, 'B has a peer although A closed its tab');
    await b.context.close();
  });

  swarm.step('the relay restarts on the same data directory; C still sees the task', async () => {
    await swarm.relay.restart();
    const { events, sync_refused: refused } = await swarm.relay.health();
    assert.ok(events >= archived, `after the restart the relay holds ${events} events, had ${archived}`);
    assert.equal(refused, 0, 'the relay refused sync data from honest tabs');
    [c] = await swarm.join('C');
    await c.board.waitForTask(taskId, { status: 'open', timeout: RECONNECT_TIMEOUT_MS });
    assert.equal(await c.status.peerCount(), 0, 'C has a peer although A and B closed their tabs');
  });
});
