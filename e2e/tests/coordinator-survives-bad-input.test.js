// User story: things go wrong around the coordinator model — an empty or a 300 KB request, a model
// file cut short, a file that fails its checksum, a damaged file the manifest vouches for, a worker
// that crashes. Each time the user reads a clear message, plans still work (read by keyword rules
// while the model is away), and the model comes back once the cause is gone.
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { scenario } = require('../lib/swarm');
const { eventually } = require('../lib/wait');

const WEIGHTS = '**/model/minilm-int8.safetensors';
const MANIFEST = '**/model/manifest.json';

/** Serves the real weights through `damage(bytes)`; returns what was served. */
async function serveDamaged(page, damage) {
  const served = {};
  await page.route(WEIGHTS, async (route) => {
    const response = await route.fetch();
    served.bytes = damage(Buffer.from(await response.body()));
    await route.fulfill({ response, body: served.bytes });
  });
  return served;
}

async function plansWithRules(peer, why) {
  const plan = await peer.planner.plan('Translate this letter into French');
  assert.ok(!plan.error, `planning failed: ${plan.error}`);
  assert.match(plan.reader, why);
  assert.equal(plan.steps.length, 1);
}

scenario('coordinator survives bad input', (swarm) => {
  let a;

  swarm.step('an empty request and a 300 KB request are refused with a reason', async () => {
    [a] = await swarm.join('A');
    await a.did();
    assert.match((await a.planner.plan('   ')).error, /the request is empty/);
    const huge = (await a.planner.plan('Summarize this. '.repeat(19_200))).error;
    assert.match(huge, /the request is 307200 bytes; at most 262144 bytes \(256 KiB\) can be planned/);
  });

  swarm.step('a model file cut short is refused; plans fall back to keyword rules', async () => {
    await serveDamaged(a.page, (bytes) => bytes.subarray(0, bytes.length >> 1));
    await a.model.load();
    assert.match(await a.model.waitForFailure(), /minilm-int8\.safetensors is [\d.]+ MB but the manifest says [\d.]+ MB: the download was cut short/);
    await plansWithRules(a, /keyword rules: the model is unavailable/);
    await a.page.unroute(WEIGHTS);
  });

  swarm.step('a model file that fails its checksum is refused', async () => {
    await serveDamaged(a.page, (bytes) => {
      const copy = Buffer.from(bytes);
      copy[copy.length >> 1] ^= 0xff;
      return copy;
    });
    await a.model.load();
    assert.match(await a.model.waitForFailure(), /minilm-int8\.safetensors fails its checksum/);
    await a.page.unroute(WEIGHTS);
  });

  swarm.step('a damaged model file that the manifest vouches for is refused by the loader', async () => {
    // The safetensors header length (first 8 bytes, little endian) now points past the end.
    const served = await serveDamaged(a.page, (bytes) => {
      const copy = Buffer.from(bytes);
      copy.writeBigUInt64LE(BigInt(copy.length) * 2n, 0);
      return copy;
    });
    await a.page.route(MANIFEST, async (route) => {
      const response = await route.fetch();
      const manifest = JSON.parse(await response.text());
      // The manifest is read before the weights: fetch them once to learn the damaged file's hash.
      const weights = await a.page.request.get(new URL('/model/minilm-int8.safetensors', a.page.url()).toString());
      const bytes = Buffer.from(await weights.body());
      bytes.writeBigUInt64LE(BigInt(bytes.length) * 2n, 0);
      const entry = manifest.files.find((f) => f.name === 'minilm-int8.safetensors');
      entry.sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
      await route.fulfill({ response, json: manifest });
    });
    await a.model.load();
    const why = await a.model.waitForFailure();
    assert.ok(served.bytes, 'the damaged file was never requested');
    assert.match(why, /minilm-int8\.safetensors could not be loaded: the weights file/);
    await a.page.unroute(WEIGHTS);
    await a.page.unroute(MANIFEST);
  });

  swarm.step('with the cause gone the model loads', async () => {
    await a.model.load();
    await a.model.waitForReady();
  });

  swarm.step('a worker crash is reported, plans still work, and a restart brings the model back', async () => {
    const [worker] = a.page.workers();
    assert.ok(worker, 'the page runs no worker');
    await worker.evaluate(() => {
      setTimeout(() => {
        throw new Error('injected crash');
      }, 0);
    });
    assert.match(await a.model.waitForFailure(), /the worker crashed: .*injected crash.*; plans use keyword rules until the worker restarts/);
    assert.equal(await a.hardware.workerStatus(), 'failed');
    await plansWithRules(a, /keyword rules: the model is unavailable \(the worker crashed/);
    await a.model.restartWorker();
    await a.model.waitForReady();
    assert.equal(await a.model.fromCache(), true, 'the restarted worker should read the model from the cache');
    await eventually("A's worker to be ready again", async () => assert.equal(await a.hardware.workerStatus(), 'ready'));
  });
});
