// Page object: the settings panel — owner policy, API keys, budget, what may leave, and the LLM registry.
'use strict';

const { tid, textOf, attrOf } = require('./dom');
const { eventually } = require('../lib/wait');

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

  /** Stores a placeholder key for each of `providers` (anthropic, openai, google, xai), for plans only. */
  async holdKeys(...providers) {
    for (const p of providers) await this.setKey(p, `test-key-for-${p}`);
  }

  /** Types `key` for `provider` and stores it; returns the note shown ("Key stored, encrypted."). */
  async setKey(provider, key) {
    await this.open();
    await this.page.locator(tid(`api-key-${provider}`)).fill(key);
    await this.page.locator(tid(`api-key-save-${provider}`)).click();
    return eventually(`${this.name}'s ${provider} key to be stored`, async () => {
      const state = this.page.locator(tid(`api-key-state-${provider}`));
      const note = await textOf(state, `${this.name}'s ${provider} key state`);
      if (note.startsWith('Key stored')) return note;
      if (note) throw Object.assign(new Error(note), { fatal: true });
      throw new Error('not stored yet');
    });
  }

  async removeKey(provider) {
    await this.open();
    await this.page.locator(tid(`api-key-remove-${provider}`)).click();
    await eventually(`${this.name}'s ${provider} key to be removed`, async () => {
      if ((await attrOf(this.page.locator(tid(`api-key-state-${provider}`)), 'data-stored', 'key state')) !== 'false') {
        throw new Error('still stored');
      }
    });
  }

  async keyStored(provider) {
    return (await attrOf(this.page.locator(tid(`api-key-state-${provider}`)), 'data-stored', 'key state')) === 'true';
  }

  /** Points registry model `id` at `baseUrl` under the provider's model name `apiModel` (saved with `save`). */
  async setEndpoint(id, baseUrl, apiModel) {
    await this.open();
    const row = this.page.locator(`${tid('registry-row')}[data-model="${id}"]`);
    await row.locator(tid('registry-base-url')).fill(baseUrl);
    await row.locator(tid('registry-base-url')).dispatchEvent('change');
    await row.locator(tid('registry-api-model')).fill(apiModel);
    await row.locator(tid('registry-api-model')).dispatchEvent('change');
  }

  /** Turns "Ask before the first send to each provider" on or off (saved with `save`). */
  async askBeforeFirstSend(on) {
    await this.open();
    await this.page.locator(tid('confirm-first-send')).setChecked(on);
  }

  /** Ticks or unticks a task kind (physical, code, …) that the owner policy takes on (saved with `save`). */
  async acceptKind(kind, on = true) {
    await this.open();
    await this.page.locator(tid(`policy-kind-${kind}`)).setChecked(on);
  }

  async setPrivateNames(...names) {
    await this.open();
    await this.page.locator(tid('private-names')).fill(names.join('\n'));
    await this.page.locator(tid('private-names')).dispatchEvent('change');
  }

  async save() {
    await this.page.locator(tid('settings-save')).click();
    return textOf(this.page.locator(`${tid('settings-saved')}, ${tid('settings-error')}`), `${this.name}'s settings outcome`);
  }
}

module.exports = { Settings };
