// Page object: the karma panel — one row per identity with completion and per-domain accuracy.
'use strict';

const { tid, textOf, texts } = require('./dom');

class KarmaPanel {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  row(did) {
    return new KarmaRow(this.page, this.name, did);
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

  async shown() {
    return (await texts(this.root)).length > 0;
  }
}

module.exports = { KarmaPanel, KarmaRow };
