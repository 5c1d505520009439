// Page object: `window.amorphTest`, present only with `?test-hooks` — a hostile peer's tools.
'use strict';

const { eventually } = require('../lib/wait');

class TestHooks {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  async ready() {
    await eventually(`${this.name}'s window.amorphTest test hooks`, async () => {
      const ok = await this.page.evaluate(
        () => !!window.amorphTest && typeof window.amorphTest.injectForged === 'function' && typeof window.amorphTest.injectOverwrite === 'function',
      );
      if (!ok) throw new Error('window.amorphTest.injectForged/injectOverwrite are not defined');
    });
  }

  /** Sends an event with a bad signature to every connected peer; returns the channels used. */
  async injectForged() {
    await this.ready();
    return this.page.evaluate(() => window.amorphTest.injectForged());
  }

  /** Sends an update that overwrites the event of `taskId`; returns the channels used. */
  async injectOverwrite(taskId) {
    await this.ready();
    return this.page.evaluate((id) => window.amorphTest.injectOverwrite(id), taskId);
  }
}

module.exports = { TestHooks };
