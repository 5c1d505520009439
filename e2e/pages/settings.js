// Page object: the settings panel — owner policy, API key flags, budget and the LLM registry.
'use strict';

const { tid, textOf } = require('./dom');

class Settings {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  async open() {
    const details = this.page.locator(tid('settings'));
    if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  }

  async isOpen() {
    return this.page.locator(tid('settings')).evaluate((d) => d.open);
  }

  /** Ticks "I have a … API key" for each of `providers` (anthropic, openai, google, xai). */
  async holdKeys(...providers) {
    await this.open();
    for (const p of providers) await this.page.locator(tid(`key-${p}`)).check();
  }

  async save() {
    await this.page.locator(tid('settings-save')).click();
    return textOf(this.page.locator(`${tid('settings-saved')}, ${tid('settings-error')}`), `${this.name}'s settings outcome`);
  }
}

module.exports = { Settings };
