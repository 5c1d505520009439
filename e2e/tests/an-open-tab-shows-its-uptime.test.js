// User story: a tab left open signs a heartbeat every minute, and the swarm credits its uptime:
// after a minute its karma chart shows reliability.uptime above zero on its own page and on a
// peer's. Playwright's clock jumps the minute forward (timers and Date.now alike).
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');
const { eventually } = require('../lib/wait');
const { waitForFullMesh } = require('../lib/story');

// EMA with α = 0.1 from 0 after exactly one heartbeat (two would show 0.190). The event count is no
// measure: capability envelopes of both tabs arrive in the same minute.
const UPTIME_AFTER_ONE_HEARTBEAT = '0.100';
const MINUTE_MS = 60_000;

scenario('an open tab shows its uptime', (swarm) => {
  let a, b;

  swarm.step('A (with a controllable clock) and B join and connect', async () => {
    a = await swarm.joinWith('A', { beforeOpen: (context) => context.clock.install() });
    b = await swarm.joinWith('B');
    await waitForFullMesh([a, b]);
    const chart = await a.karma.chartOf(await a.did());
    assert.equal(chart['reliability.uptime'], '0.000', 'uptime before any heartbeat');
  });

  swarm.step("a minute later A has signed a heartbeat and both pages show A's uptime", async () => {
    await a.page.clock.fastForward(MINUTE_MS + 1_000);
    const aDid = await a.did();
    for (const p of [a, b]) {
      await eventually(`${p.name} to show A's uptime after one heartbeat`, async () => {
        const chart = await p.karma.chartOf(aDid);
        assert.equal(chart['reliability.uptime'], UPTIME_AFTER_ONE_HEARTBEAT);
      });
    }
  });
});
