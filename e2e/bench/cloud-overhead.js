#!/usr/bin/env node
// Benchmark: what the app adds to a streamed cloud call, against a direct call to the same server.
// llama.cpp's server with SmolLM2 (OpenAI format, behind the same CORS front) answers both, from
// the same page:
//   app:    A plans a one-part request routed to gpt-4o (pointed at the server) and presses Run;
//           first token = Run's click to the first output text in the page (key opened from the
//           vault, delegation record signed, request built, fetch, stream decoded, shown).
//   direct: the page's own fetch with the very body the app sent (its text made unique, so neither
//           path finds its prompt in the server's cache); first token = fetch() to the first
//           content chunk read.
// Tokens/s: the completion tokens the server reports, less the first, over the time from the
// first to the last text (app: page updates; direct: chunks read); beside it llama-server's own
// decode speed for the same call (its `timings`), which shows whether the server itself slowed. Rounds alternate which path
// goes first; the first round warms both up and is left out. Not a test: prints one JSON line.
//
//   cd e2e && npm run bench:cloud-overhead              # 10 rounds
//   cd e2e && npm run bench:cloud-overhead -- --rounds 20
'use strict';

const { Swarm } = require('../lib/swarm');
const { startLlmServers, TEST_API_KEY, MODEL_ALIAS } = require('../lib/llm');

const COMMAND = 'cd e2e && npm run bench:cloud-overhead';

function parseArgs(argv) {
  let rounds = 10;
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--rounds') rounds = Number(argv[(i += 1)]);
  }
  if (!Number.isInteger(rounds) || rounds < 2) throw new Error('--rounds needs a whole number of at least 2');
  return { rounds };
}

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round1 = (x) => Math.round(x * 10) / 10;

/** The completion tokens and llama-server's own decode speed, from a recorded stream's usage chunk. */
function usage(sse) {
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const chunk = JSON.parse(line.slice(6));
    if (chunk.usage && chunk.usage.completion_tokens) {
      return { tokens: chunk.usage.completion_tokens, serverTokensPerS: chunk.timings ? chunk.timings.predicted_per_second : null };
    }
  }
  throw new Error('the stream reported no usage');
}

/** The last call that reached the server, read back from the front's log. */
function lastCall(llm) {
  const calls = llm.fronts.llama.log({ path: '/v1/chat/completions' });
  return calls[calls.length - 1];
}

function sample(round) {
  return `Translate into French (app sample ${round}): The galleries close at six on weekdays and at nine on Fridays.`;
}

/** The page's main-thread time (ms) in script, layout and style, and all its tasks, so far (CDP). */
async function pageWork(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name) => (metrics.find((m) => m.name === name) || { value: 0 }).value * 1000;
  return { task: get('TaskDuration'), script: get('ScriptDuration'), layout: get('LayoutDuration') + get('RecalcStyleDuration') };
}

/** Runs `fn` and adds to its result the page's main-thread work while it ran. */
async function measured(cdp, fn) {
  const before = await pageWork(cdp);
  const result = await fn();
  const after = await pageWork(cdp);
  result.pageTaskMs = after.task - before.task;
  result.pageLayoutMs = after.layout - before.layout;
  return result;
}

/** Plans `text` (not measured), then runs it (measured). */
async function viaApp(a, llm, cdp, text) {
  llm.fronts.llama.clearLog();
  const plan = await a.planner.plan(text);
  if (plan.steps.length !== 1 || !/^goes to gpt-4o/.test(plan.steps[0].reason)) {
    throw new Error(`the sample was not routed to gpt-4o: ${JSON.stringify(plan.steps)}`);
  }
  return measured(cdp, () => runApp(a, llm));
}

async function runApp(a, llm) {
  await a.run.start();
  await a.run.waitForStep(0, 'done', { interval: 200 });
  const { clicked, outputs } = await a.run.timeline();
  const call = lastCall(llm);
  const { tokens, serverTokensPerS } = usage(call.response);
  const first = outputs[0].t;
  const last = outputs[outputs.length - 1].t;
  return { firstTokenMs: first - clicked, tokens, tokensPerS: (tokens - 1) / ((last - first) / 1000), serverTokensPerS, body: call.json };
}

async function direct(a, url, body) {
  return a.page.evaluate(
    async ({ url, key, body }) => {
      const started = performance.now();
      const response = await fetch(`${url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      let first = null;
      let last = null;
      let tokens = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const now = performance.now();
        buffered += decoder.decode(value, { stream: true });
        const lines = buffered.split('\n');
        buffered = lines.pop();
        for (const line of lines) {
          if (!line.startsWith('data: {')) continue;
          const chunk = JSON.parse(line.slice(6));
          if (chunk.choices && chunk.choices[0] && chunk.choices[0].delta && chunk.choices[0].delta.content) {
            if (first === null) first = now;
            last = now;
          }
          if (chunk.usage) tokens = chunk.usage.completion_tokens;
        }
      }
      return { firstTokenMs: first - started, tokens, tokensPerS: (tokens - 1) / ((last - first) / 1000) };
    },
    { url, key: TEST_API_KEY, body },
  );
}

async function main() {
  const { rounds } = parseArgs(process.argv.slice(2));
  const swarm = new Swarm('bench-cloud-overhead');
  let llm = null;
  try {
    await swarm.start();
    llm = await startLlmServers({ llmock: false });
    const [a] = await swarm.join('A');
    await a.did();
    await a.settings.setEndpoint('gpt-4o', llm.urls.llama, MODEL_ALIAS);
    await a.settings.askBeforeFirstSend(false);
    if ((await a.settings.save()) !== 'Saved.') throw new Error('the settings were not saved');
    await a.settings.setKey('openai', TEST_API_KEY);
    await a.run.recordTimeline();
    const cdp = await a.page.context().newCDPSession(a.page);
    await cdp.send('Performance.enable');

    const samples = { app: [], direct: [] };
    let template = null;
    for (let r = 0; r < rounds; r += 1) {
      const appFirst = r % 2 === 0;
      let app = null;
      let own = null;
      for (const path of appFirst ? ['app', 'direct'] : ['direct', 'app']) {
        if (path === 'app') {
          app = await viaApp(a, llm, cdp, sample(r));
        } else {
          // The first round has no body to copy yet: the app goes first there.
          const body = structuredClone((app || template).body);
          const user = body.messages[body.messages.length - 1];
          // Exactly the text the app sent for its sample, but for this round's own marker.
          user.content = user.content.replace(/\(app sample \d+\)/, `(direct sample ${r})`);
          if (!user.content.includes(`(direct sample ${r})`)) throw new Error(`the app sent another text: ${user.content}`);
          own = await measured(cdp, () => direct(a, llm.urls.llama, body));
          own.serverTokensPerS = usage(lastCall(llm).response).serverTokensPerS;
        }
      }
      template = app;
      if (r === 0) continue;
      samples.app.push(app);
      samples.direct.push(own);
    }

    const figures = (list) => ({
      first_token_ms: round1(median(list.map((s) => s.firstTokenMs))),
      tokens_per_s: round1(median(list.map((s) => s.tokensPerS))),
      tokens: median(list.map((s) => s.tokens)),
      server_tokens_per_s: round1(median(list.map((s) => s.serverTokensPerS))),
      page_main_thread_ms: round1(median(list.map((s) => s.pageTaskMs))),
      page_layout_ms: round1(median(list.map((s) => s.pageLayoutMs))),
    });
    const app = figures(samples.app);
    const own = figures(samples.direct);
    const line = {
      bench: 'cloud-overhead',
      command: COMMAND + (rounds !== 10 ? ` -- --rounds ${rounds}` : ''),
      server: 'llama-server (llama-cpp-python 0.3.36) with SmolLM2-135M-Instruct Q4_1, OpenAI format',
      rounds: samples.app.length,
      app,
      direct: own,
      added_first_token_ms: round1(app.first_token_ms - own.first_token_ms),
      tokens_per_s_ratio: Math.round((app.tokens_per_s / own.tokens_per_s) * 1000) / 1000,
      chromium: swarm.browser.version(),
      when: new Date().toISOString(),
    };
    console.log(`# ${line.rounds} rounds (medians): time to first token and decode speed, the app against a direct fetch`);
    console.log(JSON.stringify(line));
  } finally {
    if (llm) await llm.stop();
    await swarm.stop();
  }
}

main().catch((err) => {
  console.error(`bench:cloud-overhead failed: ${err.stack || err.message}`);
  process.exitCode = 1;
});
