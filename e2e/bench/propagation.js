#!/usr/bin/env node
// Benchmark: how long a posted task takes to show up on the other peers' boards.
// Three pages (A, B, C) in fresh contexts against the real relay and release build; A posts
// N tasks one after another (the next once the previous is on B and C). For each task the time
// from A's click (Date.now() in A's page) to the card's first appearance on B and on C
// (Date.now() in a MutationObserver on those pages; same machine clock). Not a test: no
// assertion on timing. Prints one machine-readable JSON line with the command and p50/p99/max.
//
//   cd e2e && npm run bench:propagation            # 50 tasks
//   cd e2e && npm run bench:propagation -- --tasks 200
'use strict';

const { Swarm } = require('../lib/swarm');
const { waitForFullMesh, chooseDomain } = require('../lib/story');

const COMMAND = 'cd e2e && npm run bench:propagation';
const ARRIVAL_TIMEOUT_MS = 30_000;

function parseArgs(argv) {
  let tasks = 50;
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--tasks') tasks = Number(argv[(i += 1)]);
  }
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error('--tasks needs a positive whole number');
  return { tasks };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, q) {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

function summary(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return { p50_ms: percentile(sorted, 0.5), p99_ms: percentile(sorted, 0.99), max_ms: sorted[sorted.length - 1] };
}

async function main() {
  const { tasks } = parseArgs(process.argv.slice(2));
  const swarm = new Swarm('bench-propagation');
  try {
    await swarm.start();
    const [a, b, c] = await swarm.join('A', 'B', 'C');
    await waitForFullMesh([a, b, c], { timeout: 60_000 });
    const domain = await chooseDomain(a);
    await a.postForm.recordClicks();
    await b.board.recordArrivals();
    await c.board.recordArrivals();

    const run = Date.now().toString(36);
    const titles = [];
    for (let i = 1; i <= tasks; i += 1) {
      const title = `bench ${run} task ${i}`;
      titles.push(title);
      await a.postForm.post({ title, description: `propagation sample ${i}`, domain, reward: 1 });
      for (const p of [b, c]) {
        await p.page
          .waitForFunction((t) => !!window.__amorphArrivals && t in window.__amorphArrivals, title, {
            timeout: ARRIVAL_TIMEOUT_MS,
            polling: 20,
          })
          .catch((err) => {
            throw new Error(`task ${i} did not reach ${p.name} within ${ARRIVAL_TIMEOUT_MS} ms: ${err.message}`);
          });
      }
    }

    const clicks = new Map((await a.postForm.postClicks()).map(({ t, title }) => [title, t]));
    const perReceiver = {};
    const all = [];
    for (const p of [b, c]) {
      const arrivals = await p.board.arrivals();
      perReceiver[p.name] = titles.map((title) => {
        const clicked = clicks.get(title);
        if (clicked === undefined) throw new Error(`no click recorded on A for "${title}"`);
        return arrivals[title] - clicked;
      });
      all.push(...perReceiver[p.name]);
    }
    const line = {
      bench: 'propagation',
      command: COMMAND + (tasks !== 50 ? ` -- --tasks ${tasks}` : ''),
      tasks,
      samples: all.length,
      ...summary(all),
      B: summary(perReceiver.B),
      C: summary(perReceiver.C),
      chromium: swarm.browser.version(),
      when: new Date().toISOString(),
    };
    console.log(`# ${tasks} tasks posted by A, time from A's click to the card on B and on C (ms)`);
    console.log(JSON.stringify(line));
  } finally {
    await swarm.stop();
  }
}

main().catch((err) => {
  console.error(`bench:propagation failed: ${err.stack || err.message}`);
  process.exitCode = 1;
});
