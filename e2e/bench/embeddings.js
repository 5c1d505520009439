#!/usr/bin/env node
// Benchmark: sentence-embedding throughput of our burn model (all-MiniLM-L6-v2, int8 weights, in
// the app's web worker) against transformers.js (the same model as an int8 ONNX export, on
// onnxruntime-web), in ONE headless Chromium run, on the same fixed sentences.
//
// Engines, each in its own fresh browser context (so nothing is cached):
//   burn-cpu      our worker (`/worker-loader.js` from the relay serving dist/), backend "cpu" (flex)
//   burn-webgpu   the same worker, backend "webgpu" (headless Chromium: the SwiftShader fallback adapter)
//   tjs-wasm      transformers.js `pipeline('feature-extraction', …, { dtype: 'q8', device: 'wasm' })`
//   tjs-webgpu    the same with `device: 'webgpu'`
// Every engine loads first, one after another (load time: from nothing to the first embedding
// possible). Then they take turns, never two at once: at batch 1, each engine's untimed warm-up pass
// (every sentence once), then per round each engine's 32 single-sentence calls; at batch 16, a
// warm-up pass (the two distinct batches), then per round each engine's 8 calls of 16. The warm-up
// covers every input shape, because the first call at a sequence length is slower (transformers.js
// runs at about half speed on its first pass: onnxruntime plans per shape, V8 tiers up its 27 MB
// wasm); its rate is reported as `warmup_per_s_*`. Taking turns round by round lets a change in the
// machine's load fall on every engine alike; with `--rounds N` the ratios come round by round too.
// Each call is timed in the page (for burn: postMessage → answer, JSON included). A round or a
// warm-up stops starting calls after `--budget-s` seconds (default 15; at least one call): the
// WebGPU engines on SwiftShader (seconds per sentence) are time-boxed and say so (`time_boxed`); the
// CPU engines finish well inside it. transformers.js uses mean pooling + normalize, as our worker
// does. Agreement: the cosine between two engines' embeddings of each sentence (burn and
// transformers.js are different int8 quantizations of the same model), and each engine's batch-1
// against its own batch-16 embedding of a sentence (padding must not change it).
//
// transformers.js and onnxruntime-web's wasm come from e2e/node_modules, the ONNX model from
// public/model/transformers/ (scripts/model.sh), through a small static server on 127.0.0.1 that
// this script starts and stops itself (it sends COOP/COEP, so the page is cross-origin isolated and
// onnxruntime may use threads; `--threads N` sets its numThreads, default: onnxruntime's own choice).
// Nothing is fetched from anywhere but 127.0.0.1. Not a test: no assertion on timing. Prints one
// JSON line per engine, then one line with the ratios burn/transformers.js (>1: burn is faster).
//
//   cd e2e && npm run bench:embeddings                                   # every engine, 1 round
//   cd e2e && npm run bench:embeddings -- --rounds 3 --engines burn-cpu,tjs-wasm
//
// Needs: `npm ci` here; for tjs-*, public/model/ (scripts/model.sh; or AMORPH_MODEL_DIR); for burn-*,
// the release build with the model in dist/ (scripts/model.sh; trunk build --release) and the relay
// binary (AMORPH_RELAY_BIN / AMORPH_DIST as for `npm test`, see lib/paths.js).
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { launchBrowser } = require('../lib/browser');
const { Relay } = require('../lib/relay');
const { E2E_DIR, REPO_DIR, appDir } = require('../lib/paths');
const { cosine } = require('../lib/model-worker');

const COMMAND = 'cd e2e && npm run bench:embeddings';
const ENGINES = ['burn-cpu', 'burn-webgpu', 'tjs-wasm', 'tjs-webgpu'];
const MODEL_ID = 'all-MiniLM-L6-v2';
const DIMS = 384;
const BATCH16_CALLS_PER_ROUND = 8;
/** The longest a load or a single call may take (a batch of 16 on SwiftShader takes about a minute). */
const LOAD_ALLOWANCE_S = 180;
/** Default time box of each timed phase (batch 1, batch 16) per round; `--budget-s` changes it. */
const PHASE_BUDGET_S = 15;

/** Task requests as people write them: 8 to 30 words, every one different. */
const SENTENCES = [
  'Summarize the attached quarterly sales report in five bullet points for the board meeting tomorrow.',
  'Translate this product description from English into Spanish and keep the friendly tone.',
  'Write a Python function that reads a CSV file and returns the average of each numeric column.',
  'Can someone take a photo of the menu board at the corner cafe on Main Street?',
  'What is the probability of rolling two sixes in a row with a fair die?',
  'Classify these two hundred customer reviews as positive, negative or neutral and count each group.',
  'Render this Blender scene at 4K resolution with thirty-two samples per pixel and send me the frames.',
  'Find recent peer-reviewed studies on sleep and memory consolidation in older adults, published after 2020.',
  'Draft a polite email declining the conference invitation because of a schedule conflict next month.',
  'Describe in detail what is shown in this picture of a crowded market square.',
  'Prove that the square root of two is irrational, step by step, for a high school student.',
  'Extract every date, amount and party name from this twelve-page rental contract into a table.',
  'Compare three note-taking apps by price, offline support and end-to-end encryption.',
  'Fix the off-by-one bug in this JavaScript loop that skips the last element of the array.',
  'Condense the notes from this morning’s planning meeting into one short paragraph with the action items.',
  'Check whether the pharmacy near the train station is open on Sunday afternoon.',
  'Transcribe this ten-minute voice memo and mark the places where the speaker mentions a deadline.',
  'Suggest five names for a small bakery that specializes in sourdough bread and cinnamon rolls.',
  'Review my cover letter for a junior data analyst position and point out anything that sounds vague.',
  'Convert this recipe from cups and ounces to grams and milliliters for a European kitchen.',
  'Plan a three-day hiking route in the Alps with huts to sleep in and no glacier crossings.',
  'Label the objects in these fifty warehouse images with bounding boxes for boxes, pallets and forklifts.',
  'Explain the difference between a Roth IRA and a traditional IRA in plain language.',
  'Write unit tests for this Rust module that parses dates in ISO 8601 format.',
  'Estimate how many litres of paint I need for a room four by five metres with three-metre ceilings.',
  'Proofread this short story for grammar and spelling mistakes without changing the style.',
  'Measure the noise level outside the school at eight in the morning and report it in decibels.',
  'Generate a SQL query that lists the ten customers with the highest total orders last year.',
  'Turn this list of bullet points into a clear slide deck outline of about ten slides.',
  'Identify the bird species in this recording made in a forest in northern Germany at dawn.',
  'Answer in one sentence: which planets in our solar system have rings?',
  'Benchmark the matrix multiplication on your GPU and report the sustained gigaflops for float32.',
];

function parseArgs(argv) {
  let rounds = 1;
  let engines = ENGINES;
  let threads = null;
  let budgetS = PHASE_BUDGET_S;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--rounds') rounds = Number(argv[(i += 1)]);
    else if (arg === '--engines') engines = String(argv[(i += 1)] || '').split(',').map((s) => s.trim()).filter(Boolean);
    else if (arg === '--threads') threads = Number(argv[(i += 1)]);
    else if (arg === '--budget-s') budgetS = Number(argv[(i += 1)]);
    else throw new Error(`unknown option ${arg} (options: --rounds N, --engines ${ENGINES.join(',')}, --threads N, --budget-s S)`);
  }
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a positive whole number');
  if (!(budgetS > 0)) throw new Error('--budget-s needs a positive number of seconds');
  if (threads !== null && (!Number.isInteger(threads) || threads < 1)) throw new Error('--threads needs a positive whole number');
  const unknown = engines.filter((e) => !ENGINES.includes(e));
  if (unknown.length || !engines.length) throw new Error(`--engines takes a comma-separated subset of ${ENGINES.join(',')}`);
  return { rounds, engines: ENGINES.filter((e) => engines.includes(e)), threads, budgetS };
}

function commandLine(argv) {
  return argv.length ? `${COMMAND} -- ${argv.join(' ')}` : COMMAND;
}

// ---------- the static server for transformers.js, onnxruntime-web and the ONNX model ----------

const CONTENT_TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
};
const BLANK_PAGE = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>embeddings bench</title>';

function modelDir() {
  return process.env.AMORPH_MODEL_DIR ? path.resolve(process.env.AMORPH_MODEL_DIR) : path.join(REPO_DIR, 'public', 'model');
}

function transformersMounts() {
  const mounts = {
    '/tjs/': path.join(E2E_DIR, 'node_modules', '@huggingface', 'transformers', 'dist'),
    '/ort/': path.join(E2E_DIR, 'node_modules', 'onnxruntime-web', 'dist'),
    '/models/': path.join(modelDir(), 'transformers'),
  };
  const needed = [
    ['/tjs/', 'transformers.js', 'cd e2e && npm ci'],
    ['/ort/', 'ort-wasm-simd-threaded.asyncify.wasm', 'cd e2e && npm ci'],
    ['/ort/', 'ort-wasm-simd-threaded.asyncify.mjs', 'cd e2e && npm ci'],
    ['/models/', `${MODEL_ID}/onnx/model_quantized.onnx`, 'scripts/model.sh (or set AMORPH_MODEL_DIR)'],
    ['/models/', `${MODEL_ID}/tokenizer.json`, 'scripts/model.sh (or set AMORPH_MODEL_DIR)'],
  ];
  const missing = needed
    .map(([mount, file, fix]) => [path.join(mounts[mount], file), fix])
    .filter(([file]) => !fs.existsSync(file))
    .map(([file, fix]) => `${file} is missing (${fix})`);
  if (missing.length) throw new Error(`transformers.js engines cannot run:\n  - ${missing.join('\n  - ')}`);
  return mounts;
}

/** Serves the mounts on 127.0.0.1 (ephemeral port), cross-origin isolated. Resolves with { url, close }. */
function startStaticServer(mounts) {
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    const url = new URL(req.url, 'http://127.0.0.1');
    const pathname = decodeURIComponent(url.pathname);
    if (pathname === '/' || pathname === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': CONTENT_TYPES['.html'] });
      res.end(BLANK_PAGE);
      return;
    }
    const mount = Object.keys(mounts).find((m) => pathname.startsWith(m));
    const root = mount && mounts[mount];
    const file = root && path.resolve(root, `.${pathname.slice(mount.length - 1)}`);
    if (!file || !file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end(`not found: ${pathname}`);
      return;
    }
    const { size } = fs.statSync(file);
    res.writeHead(200, {
      ...headers,
      'Content-Type': CONTENT_TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Length': size,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(file).pipe(res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

// ---------- the measurement, in the page ----------

/**
 * Installed in an engine's page once its model is loaded (runs in the page; `window.__embed(texts)`
 * resolves with `{ vectors }` and, for our worker, `engineMs`): the steps the script calls in turn.
 * A timed round at batch 1 embeds each sentence once, at batch 16 makes `batch16Calls` calls; it
 * stops starting calls once it has used `phaseBudgetMs` (always making at least one), so a slow
 * engine (WebGPU on SwiftShader) is time-boxed rather than stalling the run.
 */
function installSteps({ sentences, batch16Calls, phaseBudgetMs }) {
  const now = () => performance.now();
  const embed = (texts) => window.__embed(texts);
  const say = (text) => {
    window.__benchPhase = text;
  };
  const batchOf16 = (call) => {
    const start = (call * 16) % sentences.length;
    return Array.from({ length: 16 }, (_, k) => sentences[(start + k) % sentences.length]);
  };
  window.__steps = {
    // Warm-up: one untimed pass over every input shape the rounds use (each sentence at batch 1, the
    // two distinct batches at 16), since the first call at a sequence length is slower (onnxruntime
    // plans memory per shape; V8 is still tiering up the wasm). Time-boxed like a round, at least one
    // call. Returns the calls' times (the "cold" pass).
    warm: async (batch) => {
      const started = now();
      const calls = batch === 1 ? sentences.length : Math.ceil(sentences.length / 16);
      const times = [];
      for (let i = 0; i < calls && (i === 0 || now() - started <= phaseBudgetMs); i += 1) {
        say(`batch-${batch} warm-up ${i + 1}/${calls}`);
        const t = now();
        await embed(batch === 1 ? [sentences[i]] : batchOf16(i));
        times.push(now() - t);
      }
      return { times };
    },
    // One timed round; the first round also returns the vectors, by sentence index.
    round: async (batch, r) => {
      const calls = batch === 1 ? sentences.length : batch16Calls;
      const times = [];
      const vectors = r === 0 ? sentences.map(() => null) : null;
      let engineMs = 0;
      const started = now();
      for (let i = 0; i < calls; i += 1) {
        if (times.length > 0 && now() - started > phaseBudgetMs) break;
        say(`batch-${batch} round ${r + 1} call ${i + 1}/${calls}`);
        const texts = batch === 1 ? [sentences[i]] : batchOf16(i);
        const t = now();
        const out = await embed(texts);
        const ms = now() - t;
        times.push(ms);
        engineMs += out.engineMs ?? ms;
        if (vectors) {
          const first = batch === 1 ? i : (i * 16) % sentences.length;
          out.vectors.forEach((v, k) => {
            const idx = (first + k) % sentences.length;
            if (!vectors[idx]) vectors[idx] = v;
          });
        }
      }
      say(`batch-${batch} round ${r + 1} done`);
      return { times, engineMs, planned: calls, vectors };
    },
  };
}

/** Starts our worker in a blank page on the relay's origin and loads the int8 model on `backend`. */
async function loadBurn(page, relayUrl, backend) {
  // A blank page on the relay's origin: the worker is same-origin, and the app itself does not
  // run (it would start its own worker and compete for the CPU).
  const blank = new URL('embeddings-bench.html', relayUrl).toString();
  await page.route(blank, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: BLANK_PAGE }));
  await page.goto(blank, { waitUntil: 'load' });
  const started = await page.evaluate(async () => {
    const t0 = performance.now();
    const worker = new Worker('/worker-loader.js');
    const listeners = new Set();
    worker.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.type === 'model_progress') window.__burn.onProgress?.(msg);
      for (const l of [...listeners]) l(msg);
    };
    const failed = new Promise((_, reject) => {
      worker.onerror = (e) => reject(new Error(`worker error: ${e.message || 'failed to start'}`));
    });
    const waitFor = (pred) =>
      Promise.race([
        failed,
        new Promise((resolve) => {
          const l = (msg) => {
            if (pred(msg)) {
              listeners.delete(l);
              resolve(msg);
            }
          };
          listeners.add(l);
        }),
      ]);
    let nextId = 1;
    window.__burn = {
      worker,
      waitFor,
      send: (msg) => worker.postMessage(JSON.stringify(msg)),
      embed: async (texts) => {
        const id = nextId++;
        const answer = waitFor(
          (m) => m.type === 'error' || ((m.type === 'embeddings' || m.type === 'embed_failed') && m.id === id),
        );
        window.__burn.send({ type: 'embed', id, texts });
        const m = await answer;
        if (m.type !== 'embeddings') throw new Error(`${m.type}: ${m.message}`);
        return { vectors: m.vectors, engineMs: m.ms };
      },
    };
    window.__benchPhase = 'starting the worker';
    const ready = await waitFor((m) => m.type === 'ready');
    return { worker_start_ms: performance.now() - t0, version: ready.version };
  });
  const loaded = await page.evaluate(async (backendChoice) => {
    const t0 = performance.now();
    window.__benchPhase = 'loading the model';
    window.__burn.onProgress = (m) => {
      window.__benchPhase = `loading the model: ${m.stage} ${m.loaded}/${m.total}`;
    };
    const answer = window.__burn.waitFor((m) => ['model_ready', 'model_failed', 'error'].includes(m.type));
    window.__burn.send({ type: 'load_model', variant: 'int8', backend: backendChoice });
    const m = await answer;
    if (m.type !== 'model_ready') throw new Error(`${m.type}: ${m.message}`);
    return { load_ms: performance.now() - t0, report: m };
  }, backend);
  await page.evaluate(() => {
    window.__embed = window.__burn.embed;
  });
  const r = loaded.report;
  return {
    info: {
      worker_version: started.version,
      // From nothing to the first embedding possible: the worker's wasm started, then the model
      // fetched, checked and initialised (the worker ends its load with one warm-up batch).
      load_ms: round1(started.worker_start_ms + loaded.load_ms),
      worker_start_ms: round1(started.worker_start_ms),
      model_load_ms: round1(loaded.load_ms),
      fetch_ms: round1(r.fetch_ms),
      init_ms: round1(r.init_ms),
      from_cache: r.from_cache,
      bytes: r.bytes,
      variant: r.variant,
      backend: r.backend,
      backend_note: r.backend_note,
    },
  };
}

/** Imports transformers.js in a page of the static server and builds the q8 pipeline on `device`. */
async function loadTransformers(page, serverUrl, device, threads) {
  await page.goto(serverUrl, { waitUntil: 'load' });
  const loaded = await page.evaluate(
    async ({ base, modelId, dev, numThreads }) => {
      const t0 = performance.now();
      window.__benchPhase = 'importing transformers.js';
      const T = await import(`${base}tjs/transformers.js`);
      const importMs = performance.now() - t0;
      T.env.allowRemoteModels = false;
      T.env.allowLocalModels = true;
      // A path on this page's origin, not a full URL: transformers.js 4.3.1's file-existence check
      // skips local paths that are URLs (and then finds no tokenizer).
      T.env.localModelPath = '/models/';
      T.env.useBrowserCache = false;
      const wasm = T.env.backends.onnx.wasm;
      wasm.wasmPaths = {
        mjs: `${base}ort/ort-wasm-simd-threaded.asyncify.mjs`,
        wasm: `${base}ort/ort-wasm-simd-threaded.asyncify.wasm`,
      };
      if (numThreads) wasm.numThreads = numThreads;
      let adapter = null;
      if (dev === 'webgpu') {
        if (!navigator.gpu) throw new Error('navigator.gpu is missing');
        const a = await navigator.gpu.requestAdapter();
        if (!a) throw new Error('navigator.gpu.requestAdapter() returned null');
        const info = a.info || {};
        adapter = {
          description: info.description || `${info.vendor || ''} ${info.architecture || ''}`.trim(),
          fallback: !!(a.isFallbackAdapter ?? info.isFallbackAdapter),
        };
      }
      const t1 = performance.now();
      window.__benchPhase = 'creating the pipeline';
      const extractor = await T.pipeline('feature-extraction', modelId, { dtype: 'q8', device: dev });
      const pipelineMs = performance.now() - t1;
      // One call settles onnxruntime's lazy setup (as our worker's load ends with a warm-up batch).
      const t2 = performance.now();
      window.__benchPhase = 'first call';
      await extractor(['warm up'], { pooling: 'mean', normalize: true });
      const firstMs = performance.now() - t2;
      window.__embed = async (texts) => {
        const out = await extractor(texts, { pooling: 'mean', normalize: true });
        return { vectors: out.tolist() };
      };
      return {
        load_ms: importMs + pipelineMs + firstMs,
        import_ms: importMs,
        pipeline_ms: pipelineMs,
        first_call_ms: firstMs,
        transformers_version: T.env.version,
        ort_version: T.env.backends.onnx.versions?.web ?? null,
        numThreads: wasm.numThreads ?? null,
        cross_origin_isolated: self.crossOriginIsolated === true,
        hardware_concurrency: navigator.hardwareConcurrency,
        adapter,
      };
    },
    { base: serverUrl, modelId: MODEL_ID, dev: device, numThreads: threads },
  );
  return {
    info: {
      transformers_version: loaded.transformers_version,
      ort_version: loaded.ort_version,
      dtype: 'q8',
      device,
      numThreads: loaded.numThreads,
      cross_origin_isolated: loaded.cross_origin_isolated,
      hardware_concurrency: loaded.hardware_concurrency,
      adapter: loaded.adapter,
      load_ms: round1(loaded.load_ms),
      import_ms: round1(loaded.import_ms),
      pipeline_ms: round1(loaded.pipeline_ms),
      first_call_ms: round1(loaded.first_call_ms),
    },
  };
}

// ---------- figures ----------

function round1(x) {
  return typeof x === 'number' ? Math.round(x * 10) / 10 : x;
}
function round3(x) {
  return typeof x === 'number' ? Math.round(x * 1000) / 1000 : x;
}
function round5(x) {
  return typeof x === 'number' ? Math.round(x * 100000) / 100000 : x;
}
function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}
/** Cosine of each sentence's two embeddings, over the sentences both sides have. */
function cosineStats(as, bs) {
  const c = as.map((a, i) => (a && bs[i] ? cosine(a, bs[i]) : null)).filter((x) => x !== null);
  if (!c.length) return { n: 0 };
  return { n: c.length, min: round5(Math.min(...c)), mean: round5(sum(c) / c.length) };
}

/** Embeddings per second over the given rounds' calls. */
function rate(rounds, batch) {
  const times = rounds.flatMap((r) => r.times);
  return (times.length * batch * 1000) / sum(times);
}

function figures(entry) {
  const { b1, b16 } = entry;
  const t1 = b1.flatMap((r) => r.times);
  const t16 = b16.flatMap((r) => r.times);
  const got = entry.vectors1.filter(Boolean);
  if (!got.every((v) => Array.isArray(v) && v.length === DIMS)) throw new Error(`expected ${DIMS}-dimensional vectors`);
  const norms = got.map((v) => Math.sqrt(sum(v.map((x) => x * x))));
  const planned1 = sum(b1.map((r) => r.planned));
  const planned16 = sum(b16.map((r) => r.planned));
  return {
    embeddings_per_s_batch1: round3(rate(b1, 1)),
    embeddings_per_s_batch16: round3(rate(b16, 16)),
    // The warm-up pass (first call at each input shape), for what a cold start costs.
    warmup_per_s_batch1: round3(rate([{ times: entry.warm1 }], 1)),
    warmup_per_s_batch16: round3(rate([{ times: entry.warm16 }], 16)),
    ...(b1.length > 1 || b16.length > 1
      ? {
          batch1_per_round: b1.map((r) => round3(rate([r], 1))),
          batch16_per_round: b16.map((r) => round3(rate([r], 16))),
        }
      : {}),
    batch1_calls: t1.length,
    batch1_p50_ms: round1(median(t1)),
    batch1_max_ms: round1(Math.max(...t1)),
    batch16_calls: t16.length,
    batch16_p50_ms: round1(median(t16)),
    batch16_max_ms: round1(Math.max(...t16)),
    // Calls planned but not made because a round used up its time box.
    ...(t1.length < planned1 || t16.length < planned16
      ? { time_boxed: { batch1_planned: planned1, batch16_planned: planned16 } }
      : {}),
    // The engine's own time over the time measured in the page (our worker reports its `ms`).
    engine_share: round3((sum(b1.map((r) => r.engineMs)) + sum(b16.map((r) => r.engineMs))) / (sum(t1) + sum(t16))),
    norm_min: round5(Math.min(...norms)),
    batch1_vs_batch16: cosineStats(entry.vectors1, entry.vectors16),
  };
}

/** One engine: its own fresh context and page, its console errors, and what it has measured. */
class Engine {
  constructor(name, browser) {
    this.name = name;
    this.browser = browser;
    this.errors = [];
    this.failure = null;
    this.info = null;
    this.b1 = [];
    this.b16 = [];
    this.vectors1 = null;
    this.vectors16 = null;
    this.warm1 = [];
    this.warm16 = [];
    this.wallMs = 0;
  }

  get ok() {
    return !this.failure;
  }

  async open() {
    this.context = await this.browser.newContext();
    this.page = await this.context.newPage();
    this.page.on('pageerror', (err) => this.errors.push(err.message));
    this.page.on('console', (msg) => msg.type() === 'error' && this.errors.push(msg.text()));
    this.page.on('response', (r) => r.status() >= 400 && this.errors.push(`${r.status()} ${r.url()}`));
  }

  /**
   * Runs `fn(page)` with a time limit; a failure or a timeout (which says the step the page had
   * reached) marks the engine failed and closes its context, which stops whatever still runs there.
   */
  async step(what, timeoutMs, fn) {
    if (!this.ok) return undefined;
    process.stderr.write(`bench:embeddings: ${this.name}: ${what}\n`);
    const t0 = Date.now();
    let timer;
    try {
      return await Promise.race([
        fn(this.page),
        new Promise((_, reject) => {
          timer = setTimeout(async () => {
            const reached = await Promise.race([
              this.page.evaluate(() => window.__benchPhase).catch(() => null),
              new Promise((r) => setTimeout(() => r(null), 2_000)),
            ]);
            reject(new Error(`${what} did not finish within ${timeoutMs / 1000} s (reached: ${reached || 'unknown'})`));
          }, timeoutMs);
        }),
      ]);
    } catch (err) {
      this.failure = `${what}: ${String(err.message || err).split('\n')[0].slice(0, 500)}`;
      await this.close();
      return undefined;
    } finally {
      clearTimeout(timer);
      this.wallMs += Date.now() - t0;
    }
  }

  async close() {
    if (this.context) await this.context.close().catch(() => {});
    this.context = null;
  }

  line() {
    const base = { bench: 'embeddings', engine: this.name };
    let line;
    if (this.ok) {
      line = { ...base, ok: true, ...this.info, ...figures(this) };
    } else {
      line = { ...base, ok: false, error: this.failure, ...(this.info ? { load: this.info } : {}) };
    }
    if (this.errors.length) line.page_errors = this.errors.slice(0, 5);
    line.wall_s = round1(this.wallMs / 1000);
    return line;
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const { rounds, engines: names, threads, budgetS } = parseArgs(argv);
  const needsBurn = names.some((e) => e.startsWith('burn-'));
  const needsTransformers = names.some((e) => e.startsWith('tjs-'));
  const schedule = {
    sentences: SENTENCES,
    batch16Calls: BATCH16_CALLS_PER_ROUND,
    phaseBudgetMs: budgetS * 1000,
  };
  // A step that has not finished by then fails its engine and the run goes on without it: a load,
  // or a round's time box plus one call that started just in time (a batch of 16 takes about a
  // minute on SwiftShader).
  const stepTimeoutMs = (LOAD_ALLOWANCE_S + budgetS) * 1000;

  const loadStart = round1(os.loadavg()[0]);
  let relay = null;
  let server = null;
  let browser = null;
  try {
    if (needsBurn) {
      const manifest = path.join(appDir(), 'model', 'manifest.json');
      if (!fs.existsSync(manifest)) {
        throw new Error(`burn engines cannot run: ${manifest} is missing (scripts/model.sh, then trunk build --release)`);
      }
      relay = new Relay();
      await relay.start();
    }
    if (needsTransformers) server = await startStaticServer(transformersMounts());
    browser = await launchBrowser();
    const engines = names.map((name) => new Engine(name, browser));

    console.log(
      `# ${MODEL_ID}, ${SENTENCES.length} sentences; per round: ${SENTENCES.length} calls of 1, ` +
        `${BATCH16_CALLS_PER_ROUND} calls of 16, each after an untimed warm-up pass over the same inputs; ` +
        `${rounds} round(s), the engines taking turns in each; rounds and warm-ups time-boxed at ${budgetS} s; ` +
        'embeddings/s as measured in the page',
    );
    // Every engine loads first, each in its own context; then the engines take turns, round by
    // round, so that a change in the machine's load falls on all of them alike.
    for (const e of engines) {
      await e.open();
      const [kind, target] = e.name.split('-');
      const backend = target; // the worker's wire names: "cpu", "webgpu"
      const loaded = await e.step('load', stepTimeoutMs, (page) =>
        kind === 'burn' ? loadBurn(page, relay.url, backend) : loadTransformers(page, server.url, target, threads),
      );
      if (!loaded) continue;
      e.info = loaded.info;
      if (kind === 'burn' && e.info.backend !== backend) {
        // Asked for WebGPU, the worker fell back to the CPU: not a WebGPU figure.
        e.failure = `asked for ${backend}, the worker runs on ${e.info.backend}: ${e.info.backend_note}`;
        await e.close();
        continue;
      }
      await e.step('install', stepTimeoutMs, (page) => page.evaluate(installSteps, schedule));
    }
    for (const batch of [1, 16]) {
      for (const e of engines) {
        const warm = await e.step(`batch-${batch} warm-up`, stepTimeoutMs, (page) =>
          page.evaluate((b) => window.__steps.warm(b), batch),
        );
        if (warm) e[batch === 1 ? 'warm1' : 'warm16'] = warm.times;
      }
      for (let r = 0; r < rounds; r += 1) {
        for (const e of engines) {
          const out = await e.step(`batch-${batch} round ${r + 1}`, stepTimeoutMs, (page) =>
            page.evaluate(([b, round]) => window.__steps.round(b, round), [batch, r]),
          );
          if (!out) continue;
          (batch === 1 ? e.b1 : e.b16).push(out);
          if (r === 0) e[batch === 1 ? 'vectors1' : 'vectors16'] = out.vectors;
        }
      }
    }
    for (const e of engines) await e.close();

    const lines = Object.fromEntries(engines.map((e) => [e.name, e.line()]));
    for (const e of engines) console.log(JSON.stringify(lines[e.name]));

    const ok = engines.filter((e) => e.ok);
    const byName = Object.fromEntries(ok.map((e) => [e.name, e]));
    // Ratios like for like (CPU against wasm, WebGPU against WebGPU), from all calls and, with more
    // than one round, round by round; agreement for every pair of engines, over the sentences both
    // embedded at batch 1.
    const ratios = {};
    for (const [b, t] of [['burn-cpu', 'tjs-wasm'], ['burn-webgpu', 'tjs-webgpu']]) {
      if (!byName[b] || !byName[t]) continue;
      const ratio = (batch) => {
        const key = batch === 1 ? 'b1' : 'b16';
        return round3(rate(byName[b][key], batch) / rate(byName[t][key], batch));
      };
      ratios[`${b}/${t}`] = { batch1: ratio(1), batch16: ratio(16) };
      if (rounds > 1) {
        const perRound = (batch) => {
          const key = batch === 1 ? 'b1' : 'b16';
          return byName[b][key].map((r, i) => round3(rate([r], batch) / rate([byName[t][key][i]], batch)));
        };
        ratios[`${b}/${t}`].batch1_per_round = perRound(1);
        ratios[`${b}/${t}`].batch16_per_round = perRound(16);
      }
    }
    const agreement = {};
    for (let i = 0; i < ok.length; i += 1) {
      for (let j = i + 1; j < ok.length; j += 1) {
        agreement[`${ok[i].name}~${ok[j].name}`] = cosineStats(ok[i].vectors1, ok[j].vectors1);
      }
    }
    const summary = {
      bench: 'embeddings',
      command: commandLine(argv),
      model: MODEL_ID,
      sentences: SENTENCES.length,
      rounds,
      engines: Object.fromEntries(engines.map((e) => [e.name, e.ok ? 'ok' : 'failed'])),
      ratios,
      agreement,
      budget_s: budgetS,
      chromium: browser.version(),
      load_avg_1m: { start: loadStart, end: round1(os.loadavg()[0]) },
      cpus: os.cpus().length,
      when: new Date().toISOString(),
    };
    console.log('# ratios: burn embeddings/s ÷ transformers.js embeddings/s (>1: burn is faster); agreement: cosine per sentence');
    console.log(JSON.stringify(summary));
    // Every engine asked for must have given figures; its line says why it did not.
    if (ok.length < engines.length) process.exitCode = 1;
  } finally {
    if (browser) await browser.close();
    if (server) await server.close();
    if (relay) await relay.dispose();
  }
}

main().catch((err) => {
  console.error(`bench:embeddings failed: ${err.stack || err.message}`);
  process.exitCode = 1;
});
