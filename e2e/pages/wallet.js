// Page object: my wallet (balance, escrowed, staked) and its history.
'use strict';

const { tid, textOf, texts, attrs, number } = require('./dom');
const { eventually, UI_TIMEOUT_MS } = require('../lib/wait');

class Wallet {
  constructor(page, name) {
    this.page = page;
    this.name = name;
    this.root = page.locator(tid('wallet'));
  }

  async _figure(id) {
    const what = `${this.name}'s wallet ${id}`;
    return number(await textOf(this.root.locator(tid(id)), what), what);
  }

  /** `{ balance, escrowed, staked }` as shown (throws until all three are numbers). */
  async figures() {
    return {
      balance: await this._figure('wallet-balance'),
      escrowed: await this._figure('wallet-escrowed'),
      staked: await this._figure('wallet-staked'),
    };
  }

  /** Waits until the balance is at least `amount` (e.g. the welcome grant has synced); returns the figures. */
  async waitForBalance(amount, { timeout = UI_TIMEOUT_MS } = {}) {
    return eventually(
      `${this.name}'s balance to reach ${amount}`,
      async () => {
        const figures = await this.figures();
        if (figures.balance < amount) throw new Error(`balance is ${figures.balance}`);
        return figures;
      },
      { timeout },
    );
  }

  /** Sends `amount` to `did` with the wallet's form; returns the form's note or error text. */
  async transfer(did, amount) {
    await this.root.locator(tid('transfer-to')).fill(did);
    await this.root.locator(tid('transfer-amount')).fill(String(amount));
    await this.root.locator(tid('transfer-send')).click();
    return eventually(`${this.name}'s transfer to be answered`, async () => {
      const shown = await texts(this.root.locator(`${tid('transfer-note')}, ${tid('transfer-error')}`));
      if (!shown.length) throw new Error('no note yet');
      return shown.join(' ');
    });
  }

  /** Kinds of the history entries, newest first (e.g. "grant", "escrow locked"). */
  async historyKinds() {
    return attrs(this.root.locator(tid('wallet-entry')), 'data-kind');
  }
}

module.exports = { Wallet };
