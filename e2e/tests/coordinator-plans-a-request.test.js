// User story: a user asks Amorph to plan a request. Before the model is loaded the plan is read by
// keyword rules; then the user loads the coordinator model and watches it arrive (bytes fetched,
// then initialising), and the same kind of request is read by the model: every subtask shows its
// kind, its data class and where it would go, with a reason, before anything is sent. The page
// stays responsive while the worker computes, and a reload loads the model from the browser's cache.
'use strict';

const assert = require('node:assert/strict');
const { scenario } = require('../lib/swarm');

const REQUEST = [
  'Please help me with these:',
  '1. Summarize the lab results the hospital sent about my biopsy',
  '2. Translate this recipe from Italian into English',
  '3. Pick up my dry cleaning from the shop on Elm Street and bring it home',
].join('\n');

/** Twelve long parts: each fills the model's 256-token window, so reading them takes the worker a while. */
function longRequest() {
  const filler = 'The quarterly figures for every region, product line and sales channel are in the attached tables with notes from each team lead.';
  return Array.from({ length: 12 }, (_, i) => `${i + 1}. Summarize report ${i + 1}: ${filler.repeat(8)}`).join('\n');
}

scenario('coordinator plans a request', (swarm) => {
  let a;

  swarm.step('without the model, a plan is read by keyword rules and private data stays on the device', async () => {
    [a] = await swarm.join('A');
    await a.did();
    assert.equal(await a.model.state(), 'absent');
    const plan = await a.planner.plan('Summarize my medical records from the clinic, then translate the summary into German');
    assert.ok(!plan.error, `the plan failed: ${plan.error}`);
    assert.match(plan.reader, /keyword rules: the model is not loaded/);
    assert.equal(plan.steps.length, 2, JSON.stringify(plan.steps));
    assert.equal(plan.steps[0].route, 'local');
    assert.equal(plan.steps[0].dataClass, 'ultra_sensitive');
    assert.match(plan.steps[0].reason, /^kept local: contains medical records/);
  });

  swarm.step('A loads the model and sees it arrive: bytes fetched, then initialising, then where it runs', async () => {
    await a.model.recordProgress();
    await a.model.load({ backend: 'auto' });
    await a.model.waitForReady();
    const seen = await a.model.progressSeen();
    const fetching = seen.filter((s) => s.stage === 'fetching' && s.loaded > 0 && s.loaded < s.total);
    assert.ok(fetching.length > 0, `no partial download progress was shown: ${JSON.stringify(seen.slice(0, 5))}`);
    assert.match(fetching[0].text, /^Fetching [\d.]+ of [\d.]+ MB$/);
    assert.ok(seen.some((s) => s.stage === 'initialising'), 'the panel never said it was initialising');
    assert.equal(await a.model.fromCache(), false, 'a first load cannot come from the cache');
    // Headless Chromium's only WebGPU adapter is SwiftShader: "auto" must pick the CPU and say why.
    assert.equal(await a.model.backend(), 'cpu');
    assert.match(await a.model.backendNote(), /software fallback/);
  });

  swarm.step('a request is split, read by the model and routed; each subtask shows its route and reason', async () => {
    await a.settings.holdKeys('anthropic', 'openai');
    assert.equal(await a.settings.save(), 'Saved.');
    const plan = await a.planner.plan(REQUEST);
    assert.ok(!plan.error, `the plan failed: ${plan.error}`);
    assert.match(plan.reader, /the coordinator model/);
    const [medical, recipe, errand] = plan.steps;
    assert.equal(plan.steps.length, 3, JSON.stringify(plan.steps));
    assert.deepEqual([medical.route, medical.dataClass], ['local', 'ultra_sensitive']);
    assert.match(medical.reason, /^kept local: contains medical records/);
    assert.equal(recipe.kind, 'translate', recipe.kindReason);
    assert.match(recipe.kindReason, /similar to/, 'the kind must come from the model, with its nearest example');
    assert.equal(recipe.route, 'cloud', JSON.stringify(recipe));
    assert.match(recipe.reason, /^goes to gpt-4o \(OpenAI\): strong at a translation, about \$0\.\d{4} of the \$0\.1000 left/);
    assert.equal(errand.kind, 'physical', errand.kindReason);
    assert.equal(errand.route, 'board');
    assert.match(errand.reason, /^goes to human workers on the board: it needs a person on site; pays 20 credits/);
    assert.deepEqual(await a.board.ids(), [], 'planning must not post anything');
  });

  swarm.step('the page stays responsive while the worker reads a long request', async () => {
    await a.planner.submit(longRequest());
    assert.ok(await a.planner.isPlanning(), 'the plan finished before the page could be used: the request is too short to show anything');
    await a.settings.open();
    assert.ok(await a.settings.isOpen(), 'the click on the settings was not handled');
    assert.ok(await a.planner.isPlanning(), 'the click was only handled once the worker had finished');
    const plan = await a.planner.waitForOutcome();
    assert.equal(plan.steps.length, 12);
    assert.ok(plan.steps.every((s) => /similar to/.test(s.kindReason)), 'every part must be read by the model');
  });

  swarm.step('after a reload the model loads again by itself, from the cache', async () => {
    await a.reload();
    await a.model.waitForReady();
    assert.equal(await a.model.fromCache(), true, 'the second load fetched the weights again');
    const plan = await a.planner.plan('Translate the museum opening hours into Japanese');
    assert.match(plan.reader, /the coordinator model/);
    assert.equal(plan.steps[0].kind, 'translate');
  });
});
