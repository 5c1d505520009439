// Page object: running a plan — Run / Cancel, the first-send confirmation, each step's state,
// streamed output and the text that left, per-step Run / Skip / Retry, and the assembled answer.
'use strict';

const { tid, texts } = require('./dom');
const { eventually } = require('../lib/wait');

const RUN_TIMEOUT_MS = 90_000;

class Run {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  /** Presses Run; confirms the first send to each provider when asked (unless `confirm: false`). */
  async start({ confirm = true } = {}) {
    await this.page.locator(tid('run-start')).click();
    if (confirm) await this.confirmIfAsked();
  }

  async confirmIfAsked() {
    const dialog = this.page.locator(tid('run-confirm'));
    if (await dialog.count()) await dialog.locator(tid('run-confirm-send')).click();
  }

  /** The confirmation's text, or null when none is asked for. */
  async confirmation() {
    const shown = await texts(this.page.locator(`${tid('run-confirm')} p`));
    return shown[0] ?? null;
  }

  /** The confirmation's warning that only the keyword rules read what is private, or null. */
  async rulesAloneWarning() {
    return (await texts(this.page.locator(tid('run-confirm-rules'))))[0] ?? null;
  }

  async cancel() {
    await this.page.locator(tid('run-cancel')).click();
  }

  /** Every step's run state: { state, stateText, output, sent, stripPii }. */
  async steps() {
    return this.page.locator(tid('plan-step')).evaluateAll((items) =>
      items.map((li) => {
        const q = (id) => li.querySelector(`[data-testid="${id}"]`);
        const text = (id) => (q(id)?.textContent || '').trim();
        return {
          state: q('step-run')?.getAttribute('data-state') ?? null,
          stateText: text('step-state'),
          output: text('step-output'),
          sent: text('step-sent'),
          stripPii: q('step-strip-pii')?.checked ?? null,
        };
      }),
    );
  }

  async step(index) {
    const steps = await this.steps();
    if (!steps[index]) throw new Error(`${this.name}'s plan has no step ${index + 1}`);
    return steps[index];
  }

  /** Waits until step `index` is in one of `states`; returns it. A terminal state that is not wanted fails at once. */
  async waitForStep(index, states, { timeout = RUN_TIMEOUT_MS, interval = 50 } = {}) {
    const wanted = [].concat(states);
    return eventually(
      `${this.name}'s step ${index + 1} to be ${wanted.join(' or ')}`,
      async () => {
        const step = await this.step(index);
        if (wanted.includes(step.state)) return step;
        const terminal = ['done', 'failed', 'skipped', 'cancelled', 'blocked', 'unavailable'];
        const err = new Error(`step ${index + 1} is ${step.state}: ${step.stateText}`);
        if (terminal.includes(step.state) && !wanted.some((w) => !terminal.includes(w))) err.fatal = true;
        throw err;
      },
      { timeout, interval },
    );
  }

  /** The lengths of step `index`'s output each time it changed, until `until` holds for the step. */
  async watchOutput(index, until, { timeout = RUN_TIMEOUT_MS } = {}) {
    const seen = [];
    await eventually(
      `${this.name}'s step ${index + 1} to finish streaming`,
      async () => {
        const step = await this.step(index);
        if (seen[seen.length - 1] !== step.output.length) seen.push(step.output.length);
        if (until(step)) return step;
        throw new Error(`step ${index + 1} is ${step.state}`);
      },
      { timeout, interval: 10 },
    );
    return seen;
  }

  async press(index, testid) {
    await this.page.locator(tid('plan-step')).nth(index).locator(tid(testid)).click();
  }

  async retryStep(index) {
    await this.press(index, 'step-retry');
  }

  async skipStep(index) {
    await this.press(index, 'step-skip');
  }

  async setStripPii(index, on) {
    await this.page.locator(tid('plan-step')).nth(index).locator(tid('step-strip-pii')).setChecked(on);
  }

  /** The assembled answer: { complete, parts: [{ step, by, produced, text }] }; waits for it. */
  async answer({ timeout = RUN_TIMEOUT_MS } = {}) {
    return eventually(
      `${this.name}'s answer`,
      async () => {
        const section = this.page.locator(tid('run-answer'));
        if (!(await section.count())) throw new Error('no answer yet');
        return section.evaluate((el) => ({
          complete: el.getAttribute('data-complete') === 'true',
          parts: [...el.querySelectorAll('[data-testid="answer-part"]')].map((p) => ({
            step: Number(p.getAttribute('data-step')),
            produced: p.getAttribute('data-produced') === 'true',
            by: (p.querySelector('[data-testid="answer-by"]')?.textContent || '').trim(),
            text: (p.querySelector('[data-testid="answer-text"]')?.textContent || '').trim(),
          })),
        }));
      },
      { timeout },
    );
  }

  async spent() {
    return (await texts(this.page.locator(tid('run-spent'))))[0] ?? '';
  }

  /**
   * From now on the page keeps, in `performance.now()` time, the last click on Run (or on Send,
   * when the run asked first) and every change of each step's output length: read them with
   * `timeline()`.
   */
  async recordTimeline() {
    await this.page.evaluate(() => {
      const seen = (window.__amorphRunTimeline = { clicked: null, outputs: [] });
      document.addEventListener('click', (ev) => {
        if (!ev.target.closest) return;
        if (ev.target.closest('[data-testid="run-start"]')) {
          seen.clicked = performance.now();
          seen.outputs = [];
        } else if (ev.target.closest('[data-testid="run-confirm-send"]')) {
          // When the run asks first, the work starts with the answer to its question.
          seen.clicked = performance.now();
        }
      }, true);
      const lengths = new Map();
      new MutationObserver(() => {
        const t = performance.now();
        document.querySelectorAll('[data-testid="plan-step"]').forEach((li, step) => {
          const length = (li.querySelector('[data-testid="step-output"]')?.textContent || '').length;
          if (length && lengths.get(li) !== length) {
            lengths.set(li, length);
            seen.outputs.push({ step, t, length });
          }
        });
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  }

  /** `{ clicked, outputs: [{ step, t, length }] }` since the last click on Run. */
  async timeline() {
    return this.page.evaluate(() => window.__amorphRunTimeline);
  }

  /** Waits until the finished run is stored for the next visit. */
  async waitUntilKept() {
    await this.page.locator(tid('run-kept')).waitFor({ timeout: RUN_TIMEOUT_MS });
  }

  async isRestored() {
    return (await this.page.locator(tid('run-restored')).count()) > 0;
  }
}

module.exports = { Run };
