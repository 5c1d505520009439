// User story: the relay goes away; the connected swarm keeps trading over its data channels,
// and once the relay is back a newcomer gets the whole history and joins the mesh.
'use strict';

const { scenario } = require('../lib/swarm');
const { RECONNECT_TIMEOUT_MS } = require('../lib/wait');
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
});
