// User story: the relay goes away; the connected swarm keeps trading over its data channels,
// and once the relay is back a newcomer gets the whole history and joins the mesh. A newcomer that
// cannot reach the relay's /genesis says so and keeps trying until it can join.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { GenesisGate } = require('../lib/gates');
const { eventually, RECONNECT_TIMEOUT_MS } = require('../lib/wait');
const { uniqueTitle, chooseDomain, waitForFullMesh, waitForSameBoard } = require('../lib/story');

scenario('swarm survives a relay outage', (swarm) => {
  let a, b, c, d, abc;
  let domain, firstId, secondId;

  swarm.step('A, B and C join, connect, and share a first task', async () => {
    [a, b, c] = await swarm.join('A', 'B', 'C');
    abc = [a, b, c];
    await waitForFullMesh(abc);
    domain = await chooseDomain(a);
    ({ card: { id: firstId } } = await a.postTask({ title: uniqueTitle('Summarise a meeting'), description: 'before the outage', domain, reward: 4 }));
    for (const p of abc) await p.board.waitForTask(firstId, { status: 'open' });
  });

  swarm.step('the relay stops: A, B and C show "relay down" and stay connected to each other', async () => {
    await swarm.relay.stop();
    for (const p of abc) await p.status.waitForRelayState('relay down', { timeout: RECONNECT_TIMEOUT_MS });
    await waitForFullMesh(abc);
  });

  swarm.step('during the outage A posts a task and B claims the first; all see both over data channels', async () => {
    ({ card: { id: secondId } } = await a.postTask({ title: uniqueTitle('Proofread a flyer'), description: 'during the outage', domain, reward: 2 }));
    for (const p of [b, c]) await p.board.waitForTask(secondId, { status: 'open' });
    await b.board.card(firstId).claim();
    for (const p of abc) await p.board.waitForTask(firstId, { status: 'claimed' });
  });

  swarm.step('the relay restarts on the same port and A, B and C reconnect to it', async () => {
    const oldUrl = swarm.relay.url;
    await swarm.relay.restart();
    if (swarm.relay.url !== oldUrl) throw new Error(`relay came back at ${swarm.relay.url}, not ${oldUrl}`);
    for (const p of abc) await p.status.waitForRelayState('connected', { timeout: RECONNECT_TIMEOUT_MS });
  });

  swarm.step('D joins, ends with the complete history and connects to A, B and C', async () => {
    [d] = await swarm.join('D');
    await waitForSameBoard(a, [b, c, d], { timeout: RECONNECT_TIMEOUT_MS });
    await d.board.waitForTask(firstId, { status: 'claimed' });
    await d.board.waitForTask(secondId, { status: 'open' });
    await waitForFullMesh([a, b, c, d], { timeout: RECONNECT_TIMEOUT_MS });
  });

  swarm.step("E opens the app while /genesis does not answer: it says so, then joins the relay's swarm", async () => {
    const gate = { current: null };
    const e = await swarm.joinWith('E', {
      beforeOpen: async (context) => {
        gate.current = new GenesisGate(context);
        await gate.current.block();
      },
    });
    const problem = await eventually("E to say it cannot learn its swarm", () => e.status.swarmProblem());
    assert.match(problem, /Cannot learn which swarm to join.*Retrying in/, `E's message: ${problem}`);
    await eventually('E to have retried', () => assert.ok(gate.current.refused >= 2, `refused ${gate.current.refused}`));
    await gate.current.unblock();
    const { swarm: relaySwarm } = await swarm.relay.health();
    assert.equal(await eventually("E's swarm id", () => e.status.swarmId(), { timeout: RECONNECT_TIMEOUT_MS }), relaySwarm);
    await e.board.waitForTask(secondId, { status: 'open', timeout: RECONNECT_TIMEOUT_MS });
    await eventually("E's problem to go away", async () => assert.equal(await e.status.hasSwarmProblem(), false));
  });
});
