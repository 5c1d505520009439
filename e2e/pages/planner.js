// Page object: "Plan a request" — the request, the plan's subtasks with kind, data class, route and reasons.
'use strict';

const { tid, texts, textOf } = require('./dom');
const { eventually } = require('../lib/wait');
const { MODEL_TIMEOUT_MS } = require('./model-panel');

class Planner {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  async submit(request) {
    await this.page.locator(tid('plan-request')).fill(request);
    await this.page.locator(tid('plan-submit')).click();
  }

  async isPlanning() {
    return (await textOf(this.page.locator(tid('plan-submit')), `${this.name}'s plan button`)) === 'Planning…';
  }

  /** Submits and waits for the plan (or its error); returns { steps, reader } or { error }. */
  async plan(request, { timeout = MODEL_TIMEOUT_MS } = {}) {
    await this.submit(request);
    return this.waitForOutcome({ timeout });
  }

  async waitForOutcome({ timeout = MODEL_TIMEOUT_MS } = {}) {
    return eventually(
      `${this.name}'s plan`,
      async () => {
        if (await this.isPlanning()) throw new Error('still planning');
        const errors = await texts(this.page.locator(tid('plan-error')));
        if (errors.length) return { error: errors[0] };
        return { reader: await textOf(this.page.locator(tid('plan-reader')), `${this.name}'s plan reader`), steps: await this.steps() };
      },
      { timeout, interval: 200 },
    );
  }

  async steps() {
    return this.page.locator(tid('plan-step')).evaluateAll((items) =>
      items.map((li) => {
        const text = (id) => (li.querySelector(`[data-testid="${id}"]`)?.textContent || '').trim();
        return {
          text: (li.querySelector('.step-text')?.textContent || '').trim(),
          route: li.getAttribute('data-route'),
          kind: li.getAttribute('data-kind'),
          dataClass: li.getAttribute('data-class'),
          kindReason: text('step-kind'),
          classReason: text('step-class'),
          target: text('step-target'),
          reason: text('step-reason'),
        };
      }),
    );
  }
}

module.exports = { Planner };
