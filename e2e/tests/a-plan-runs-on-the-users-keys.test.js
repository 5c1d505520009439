// User story: a user stores their own API keys and runs plans on them. The cloud models are local
// servers that speak each provider's wire format: llama.cpp's server with a real model answers as
// OpenAI, llmock as Anthropic and Gemini. Keys are sealed (no stored byte holds them); a wrong key
// is named in one sentence and Retry works once it is fixed; Cancel stops a stream; a four-part
// request runs with answers streaming in token by token, a 429 retried after its retry-after, the
// private part reaching no server and the errand becoming a real task on another tab's board; a
// reload keeps the keys and the finished run, and a key never follows its model to another address.
'use strict';

const assert = require('node:assert/strict');
const { after } = require('node:test');
const { scenario } = require('../lib/swarm');
const { eventually } = require('../lib/wait');
const { startLlmServers, TEST_API_KEY, MODEL_ALIAS } = require('../lib/llm');
const { VaultCard } = require('../pages/vault');

const KEYS = {
  openai: TEST_API_KEY,
  anthropic: 'sk-ant-amorph-e2e-5f0c1d2e3b4a',
  google: 'AIza-amorph-e2e-9a8b7c6d5e4f',
};
const PRIVATE = 'Summarize the notes from my therapy session last Tuesday about my panic attacks';
const ERRAND = 'Pick up my dry cleaning from the shop on Elm Street and bring it home';
const REQUEST = [
  'Please do these four things:',
  `1. ${PRIVATE}`,
  '2. Write a two-line slogan for a bakery called Crumb',
  '3. Prove that the sum of two even numbers is always even',
  `4. ${ERRAND}`,
].join('\n');
const ERRAND_DONE = 'Done: the dry cleaning is hanging in your hall.';

/** Every request that reached a server through `front` at `path`, preflights left out. */
function calls(llm, front, path) {
  return llm.fronts[front].log({ path });
}

scenario('a plan runs on the user’s own keys', (swarm) => {
  let llm, a, b, vault, finished;

  swarm.step('A stores three keys and points the models at the local servers; no stored byte holds a key', async () => {
    llm = await startLlmServers();
    [a, b] = await swarm.join('A', 'B');
    await a.did();
    await a.settings.setEndpoint('gpt-4o', llm.urls.llama, MODEL_ALIAS);
    await a.settings.setEndpoint('claude-opus', llm.urls.anthropic, 'claude-opus-4-1');
    await a.settings.setEndpoint('gemini-pro', llm.urls.gemini, 'gemini-2.5-pro');
    assert.equal(await a.settings.save(), 'Saved.');
    vault = new VaultCard(a.page, a.name);
    for (const [provider, key] of Object.entries(KEYS)) {
      const origin = new URL(provider === 'openai' ? llm.urls.llama : llm.urls.llmock).origin;
      assert.equal(await a.settings.setKey(provider, key), `Key stored, encrypted; it goes only to ${origin}.`);
      assert.equal(await vault.holdsInTheClear(key), false, `the ${provider} key is stored in the clear`);
    }
  });

  swarm.step('a wrong key is named in one sentence; with the right key, Retry gets the answer', async () => {
    const wrong = 'sk-amorph-e2e-not-the-key';
    await a.settings.setKey('openai', wrong);
    const plan = await a.planner.plan('Write a friendly one-line greeting for a conference badge');
    assert.deepEqual(plan.steps.map((s) => s.route), ['cloud'], JSON.stringify(plan.steps));
    assert.match(plan.steps[0].reason, /^goes to gpt-4o \(OpenAI\)/);
    await a.run.start({ confirm: false });
    assert.match(await a.run.confirmation(), /first time this device sends work to OpenAI\b/);
    // The model is not loaded in this story: the run says that only the rules checked privacy.
    assert.match(await a.run.rulesAloneWarning(), /only the keyword rules checked what is private/);
    assert.equal(llm.log().length, 0, 'a request left before the user confirmed the first send');
    await a.run.confirmIfAsked();
    const failed = await a.run.waitForStep(0, 'failed');
    assert.equal(failed.stateText, 'Failed: OpenAI refused the API key: check it in Settings');
    assert.equal(calls(llm, 'llama', '/v1/chat/completions').length, 1, 'a refused key was retried');
    await a.settings.setKey('openai', KEYS.openai);
    await a.run.retryStep(0);
    const done = await a.run.waitForStep(0, 'done');
    assert.match(done.stateText, /^Done in [\d.]+ s, cost \$0\.\d{4}\.$/);
    assert.ok(done.output.length > 0, 'the answer is empty');
    assert.ok(!(await a.page.content()).includes(wrong), 'the page shows the key');
  });

  swarm.step('Cancel stops a stream in flight: the server sees the connection close', async () => {
    await llm.llmock.streamFault('stall', { provider: 'gemini', afterChunks: 3, stallSeconds: 60 });
    const plan = await a.planner.plan('Summarize this article about tea: Tea was first drunk in China as a medicine and reached Europe in the 1600s.');
    assert.match(plan.steps[0].reason, /^goes to gemini-pro \(Google\)/);
    await a.run.start();
    await a.run.waitForStep(0, 'streaming');
    await a.run.cancel();
    const cancelled = await a.run.waitForStep(0, 'cancelled');
    assert.equal(cancelled.stateText, 'Cancelled.');
    await eventually('the Gemini server to see the stream closed', async () => {
      const [call] = calls(llm, 'llmock', '/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent');
      assert.ok(call, 'the call never reached the server');
      assert.match(String(call.error), /client closed the connection before the response ended/);
    });
  });

  swarm.step('A plans four parts: the private one stays here, two go to cloud models, the errand to the board', async () => {
    llm.clearLogs();
    const plan = await a.planner.plan(REQUEST);
    assert.ok(!plan.error, `the plan failed: ${plan.error}`);
    assert.deepEqual(plan.steps.map((s) => s.route), ['local', 'cloud', 'cloud', 'board'], JSON.stringify(plan.steps));
    assert.match(plan.steps[1].reason, /^goes to gpt-4o \(OpenAI\)/);
    assert.match(plan.steps[2].reason, /^goes to claude-opus \(Anthropic\)/);
    assert.match(plan.steps[3].reason, /^goes to human workers on the board/);
    assert.match((await a.run.step(1)).sent, /^Write a two-line slogan for a bakery called Crumb/);
  });

  swarm.step('A runs it: answers stream in token by token, a 429 is retried after its retry-after', async () => {
    await llm.llmock.fail(429, { provider: 'anthropic', retryAfter: 2 });
    await a.run.start({ confirm: false });
    assert.match(await a.run.confirmation(), /first time this device sends work to Anthropic\. /);
    await a.run.confirmIfAsked();
    const lengths = await a.run.watchOutput(2, (s) => s.state === 'done');
    assert.ok(lengths.length >= 4, `the Anthropic answer arrived in ${lengths.length - 1} pieces, not streamed`);
    assert.match((await a.run.step(2)).stateText, /after 2 attempts/);
    const [limited, served] = calls(llm, 'llmock', '/anthropic/v1/messages');
    assert.equal(limited.status, 429);
    assert.equal(served.status, 200);
    const waited = Date.parse(served.time) - Date.parse(limited.time);
    assert.ok(waited >= 2000, `the retry came ${waited} ms after a 429 that asked for 2 s`);
    await a.run.waitForStep(1, 'done');
    const local = await a.run.waitForStep(0, 'unavailable');
    assert.equal(local.stateText, 'Cannot run yet: needs the local writing model.');
    await a.run.waitForStep(3, 'on_board');
    assert.equal(llm.sawText('therapy session'), false, 'the private part reached a server');
    assert.equal(llm.sawText('panic attacks'), false, 'the private part reached a server');
  });

  swarm.step('the errand is a real task on B’s board; as B does it, A’s run follows, and the answer names each producer', async () => {
    await b.settings.acceptKind('physical');
    assert.equal(await b.settings.save(), 'Saved.');
    const card = await b.board.waitForTitle(ERRAND);
    await eventually('B to be offered the errand', async () => assert.equal(await card.claimButtons(), 1));
    await card.claim();
    await eventually('A to see the errand claimed', async () =>
      assert.equal((await a.run.step(3)).stateText, 'Claimed by a worker: waiting for the result.'));
    await card.submitResult(ERRAND_DONE);
    await eventually('A to see the result submitted', async () =>
      assert.match((await a.run.step(3)).stateText, /^A worker submitted a result/));
    await (await a.board.waitForTitle(ERRAND)).accept();
    await a.run.waitForStep(3, 'done');
    finished = await a.run.answer();
    assert.equal(finished.complete, false, 'the private part was not produced, so the answer is not complete');
    const [local, slogan, proof, errand] = finished.parts;
    assert.deepEqual([local.produced, slogan.produced, proof.produced, errand.produced], [false, true, true, true]);
    assert.match(local.text, /needs the local writing model/);
    assert.match(slogan.by, /gpt-4o \(OpenAI\)/);
    assert.match(proof.by, /claude-opus \(Anthropic\)/);
    assert.match(proof.text, /sum of two even numbers/, 'the Anthropic part is not the answer to its step');
    assert.match(errand.by, /human workers/);
    assert.equal(errand.text, ERRAND_DONE);
    assert.match(await a.run.spent(), /^Spent \$0\.\d{4} of \$0\.1000\.$/);
    await a.run.waitUntilKept();
  });

  swarm.step('after a reload the keys are still stored, still sealed, and the finished run is shown as it ended', async () => {
    await a.reload();
    await eventually('the last run to come back', async () => assert.ok(await a.run.isRestored()));
    assert.deepEqual(await a.run.answer(), finished);
    for (const [provider, key] of Object.entries(KEYS)) {
      assert.ok(await a.settings.keyStored(provider), `the ${provider} key is gone after a reload`);
      assert.equal(await vault.holdsInTheClear(key), false, `the ${provider} key is stored in the clear`);
    }
  });

  swarm.step('a key does not follow its model to another address: the call is refused before anything leaves', async () => {
    await a.settings.setEndpoint('claude-opus', llm.urls.llama, 'claude-opus-4-1');
    assert.equal(await a.settings.save(), 'Saved.');
    llm.clearLogs();
    const plan = await a.planner.plan('Prove that there are infinitely many prime numbers');
    assert.match(plan.steps[0].reason, /^goes to claude-opus \(Anthropic\)/);
    await a.run.start();
    const refused = await a.run.waitForStep(0, 'failed');
    const stored = new URL(llm.urls.llmock).origin;
    const now = new URL(llm.urls.llama).origin;
    assert.equal(refused.stateText,
      `Failed: the Anthropic key was stored for ${stored}, and claude-opus now points at ${now}: store the key again in Settings to send it there`);
    assert.deepEqual(llm.log(), [], 'a request left with a key bound elsewhere');
  });

  after(() => llm && llm.stop());
});
