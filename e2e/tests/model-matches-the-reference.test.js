// The model in the browser: the worker's sentence embeddings equal an independent reference of the
// same weights (scripts/reference_embeddings.py, float64 numpy) — cosine ≥ 0.999 on every one of
// the fixed sentences (task requests, accents, Greek, Cyrillic, Arabic, Hebrew, CJK, emoji, a
// paragraph past the 256-token window) — for the float and the 8-bit weights on the CPU backend.
// The WebGPU path is not in this test: on headless Chromium's only adapter (SwiftShader) it did not
// finish loading and embedding within 5 minutes (docs/benchmarks.md).
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { scenario } = require('../lib/swarm');
const { appDir } = require('../lib/paths');
const { embedInWorker, cosine } = require('../lib/model-worker');

const MIN_COSINE = 0.999;

function reference() {
  const file = path.join(appDir(), 'model', 'reference.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).sentences;
}

function agreement(sentences, vectors) {
  assert.equal(vectors.length, sentences.length, 'one embedding per sentence');
  const cosines = sentences.map((s, i) => ({ text: s.text, cosine: cosine(vectors[i], s.embedding) }));
  const worst = cosines.reduce((w, c) => (c.cosine < w.cosine ? c : w));
  return { worst, cosines };
}

scenario('model matches the reference', (swarm) => {
  let a;
  const sentences = reference();
  const texts = sentences.map((s) => s.text);

  for (const [variant, backend] of [
    ['f32', 'cpu'],
    ['int8', 'cpu'],
  ]) {
    swarm.step(`${variant} weights on ${backend}: every sentence at cosine ≥ ${MIN_COSINE}`, async () => {
      if (!a) [a] = await swarm.join('A');
      const { report, vectors } = await embedInWorker(a.page, { variant, backend, texts, batch: 8 });
      assert.equal(report.backend, backend, `asked for ${backend}, ran on ${report.backend}: ${report.backend_note}`);
      const { worst } = agreement(sentences, vectors);
      assert.ok(worst.cosine >= MIN_COSINE, `cosine ${worst.cosine} for ${JSON.stringify(worst.text)}`);
      console.log(JSON.stringify({ variant, backend, sentences: texts.length, min_cosine: worst.cosine, worst: worst.text.slice(0, 40) }));
    });
  }
});
