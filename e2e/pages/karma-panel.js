// Page object: the members panel — one row per identity with its money (balance, escrow / stake),
// standing, completion and per-domain accuracy, and the karma chart of the identity picked.
'use strict';

const { tid, textOf, texts, attrs } = require('./dom');

class KarmaPanel {
  constructor(page, name) {
    this.page = page;
    this.name = name;
    this.rows = page.locator(tid('karma-row'));
    this.chart = page.locator(tid('karma-chart'));
  }

  row(did) {
    return new KarmaRow(this.page, this.name, did);
  }

  /**
   * Every member row's shown figures keyed by did: what a user compares between two screens.
   * `{ [did]: { balance, locked, standing, completion, tasks, accuracy: { domain: value } } }`.
   */
  async table() {
    const rows = await this.rows.evaluateAll((els) =>
      els.map((row) => {
        const text = (id) => (row.querySelector(`[data-testid="${id}"]`)?.textContent || '').trim();
        const accuracy = {};
        for (const el of row.querySelectorAll('[data-testid="karma-accuracy"]')) accuracy[el.getAttribute('data-domain')] = (el.textContent || '').trim();
        return [
          row.getAttribute('data-did'),
          {
            balance: text('member-balance'),
            locked: text('member-locked'),
            standing: text('member-standing'),
            completion: text('karma-completion'),
            tasks: text('member-tasks'),
            accuracy,
          },
        ];
      }),
    );
    return Object.fromEntries(rows);
  }

  /** Shows `did`'s vector in the chart and returns `{ dimension: value }` as its bars show it. */
  async chartOf(did) {
    await this.row(did).root.locator(tid('inspect-karma')).click();
    const shownFor = await this.chart.getAttribute('data-did');
    if (shownFor !== did) throw new Error(`${this.name}'s chart shows ${shownFor}, not ${did}`);
    const bars = this.chart.locator(tid('karma-bar'));
    const names = await attrs(bars, 'data-dimension');
    const values = await attrs(bars, 'data-value');
    return Object.fromEntries(names.map((n, i) => [n, values[i]]));
  }
}

class KarmaRow {
  constructor(page, name, did) {
    this.root = page.locator(`${tid('karma-row')}[data-did="${did}"]`);
    this.what = `${name}'s karma row for …${did.slice(-8)}`;
  }

  /** Completion as shown, e.g. "0.100". */
  async completion() {
    return textOf(this.root.locator(tid('karma-completion')), `${this.what} completion`);
  }

  /** Accuracy for `domain` as shown, e.g. "0.100". */
  async accuracy(domain) {
    return textOf(this.root.locator(`${tid('karma-accuracy')}[data-domain="${domain}"]`), `${this.what} accuracy for "${domain}"`);
  }

  /** Every domain's accuracy text, keyed by domain. */
  async accuracies() {
    const pairs = await this.root
      .locator(tid('karma-accuracy'))
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-domain'), (e.textContent || '').trim()]));
    return Object.fromEntries(pairs);
  }

  /** Balance as shown in the members table. */
  async balance() {
    return textOf(this.root.locator(tid('member-balance')), `${this.what} balance`);
  }

  async shown() {
    return (await texts(this.root)).length > 0;
  }
}

module.exports = { KarmaPanel, KarmaRow };
