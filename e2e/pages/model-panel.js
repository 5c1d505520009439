// Page object: the coordinator model panel — load it, watch its progress, see where it runs.
'use strict';

const { tid, textOf, attrOf } = require('./dom');
const { eventually } = require('../lib/wait');

/** Loading the model (23 MB, then initialising on CPU wasm) can take a while on a 2-core machine. */
const MODEL_TIMEOUT_MS = 180_000;

class ModelPanel {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  /** `absent` | `loading` | `ready` | `failed`. */
  async state() {
    return attrOf(this.page.locator(tid('model-panel')), 'data-state', `${this.name}'s model panel`);
  }

  /**
   * Starts recording every progress state the panel shows (stage, bytes loaded, total), so a test
   * can tell afterwards what the user saw however fast it went. Read with `progressSeen()`.
   */
  async recordProgress() {
    await this.page.evaluate((selector) => {
      window.amorphProgressSeen = [];
      const record = () => {
        const el = document.querySelector(selector);
        if (!el) return;
        window.amorphProgressSeen.push({
          stage: el.getAttribute('data-stage'),
          loaded: Number(el.getAttribute('data-loaded')),
          total: Number(el.getAttribute('data-total')),
          text: (el.textContent || '').trim(),
        });
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    }, tid('model-progress'));
  }

  async progressSeen() {
    return this.page.evaluate(() => window.amorphProgressSeen || []);
  }

  async load({ backend = 'auto' } = {}) {
    await this.page.locator(tid('model-backend-choice')).selectOption(backend);
    await this.page.locator(tid('load-model')).click();
  }

  /** Waits for `ready`; a `failed` panel stops the wait with its message. */
  async waitForReady({ timeout = MODEL_TIMEOUT_MS } = {}) {
    await eventually(
      `${this.name}'s model to be ready`,
      async () => {
        const state = await this.state();
        if (state === 'failed') {
          const why = await this.error().catch(() => '?');
          throw Object.assign(new Error(`${this.name}'s model failed: ${why}`), { fatal: true });
        }
        if (state !== 'ready') throw new Error(`model is ${state}`);
      },
      { timeout, interval: 250 },
    );
  }

  /** Waits for `failed` and returns its message. */
  async waitForFailure({ timeout = MODEL_TIMEOUT_MS } = {}) {
    return eventually(
      `${this.name}'s model to fail`,
      async () => {
        const state = await this.state();
        if (state === 'ready') throw Object.assign(new Error(`${this.name}'s model loaded`), { fatal: true });
        if (state !== 'failed') throw new Error(`model is ${state}`);
        return this.error();
      },
      { timeout, interval: 250 },
    );
  }

  async error() {
    return textOf(this.page.locator(tid('model-error')), `${this.name}'s model error`);
  }

  /** `cpu` | `webgpu`. */
  async backend() {
    return attrOf(this.page.locator(tid('model-backend')), 'data-backend', `${this.name}'s model backend`);
  }

  async backendNote() {
    return textOf(this.page.locator(tid('model-backend-note')), `${this.name}'s backend note`);
  }

  async fromCache() {
    return (await attrOf(this.page.locator(tid('model-source')), 'data-from-cache', `${this.name}'s model source`)) === 'true';
  }

  async restartWorker() {
    await this.page.locator(tid('restart-worker')).click();
  }
}

module.exports = { ModelPanel, MODEL_TIMEOUT_MS };
