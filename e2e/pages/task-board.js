// Page objects: the task board (every task card this user's store holds) and one task card
// with the market actions a user can take on it (claim, submit, accept, reject, dispute, vote).
'use strict';

const { tid, texts, attrs, attrOf, textOf, single } = require('./dom');
const { eventually, UI_TIMEOUT_MS } = require('../lib/wait');

// Every task state core's market knows (market::TaskState::as_str).
const STATUSES = ['open', 'awarded', 'claimed', 'submitted', 'accepted', 'rejected', 'judging', 'settled', 'failed', 'void', 'cancelled', 'expired'];

class TaskBoard {
  constructor(page, name) {
    this.page = page;
    this.name = name;
    this.root = page.locator(tid('board'));
    this.cards = page.locator(tid('task-card'));
  }

  /** `{ id, status, title }` of every card, sorted by id. */
  async snapshot() {
    const cards = await this.cards.evaluateAll(
      (els, titleSel) =>
        els.map((e) => {
          const t = e.querySelector(titleSel);
          return {
            id: e.getAttribute('data-task-id'),
            status: e.getAttribute('data-status'),
            title: t ? (t.textContent || '').trim() : null,
          };
        }),
      tid('task-title-text'),
    );
    return cards.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async ids() {
    return (await this.snapshot()).map((c) => c.id);
  }

  card(id) {
    return new TaskCard(this.page, this.name, id);
  }

  /** Waits for the card whose title is exactly `title` and returns it (with its id resolved). */
  async waitForTitle(title, { timeout = UI_TIMEOUT_MS } = {}) {
    const id = await eventually(
      `${this.name}'s board to show a task titled "${title}"`,
      async () => {
        const hits = (await this.snapshot()).filter((c) => c.title === title);
        const hit = single(hits, `task "${title}"`);
        if (!hit.id || !/^[0-9a-f]+$/i.test(hit.id)) throw new Error(`task "${title}" has data-task-id "${hit.id}", not hex`);
        return hit.id;
      },
      { timeout },
    );
    return this.card(id);
  }

  /** Waits until the task `id` is shown, optionally with `status`. */
  async waitForTask(id, { status, timeout = UI_TIMEOUT_MS } = {}) {
    await eventually(
      `${this.name}'s board to show task ${id.slice(0, 12)}${status ? ` as "${status}"` : ''}`,
      async () => {
        const hit = single((await this.snapshot()).filter((c) => c.id === id), `task ${id.slice(0, 12)}`);
        if (status && hit.status !== status) throw new Error(`its status is "${hit.status}"`);
      },
      { timeout },
    );
    return this.card(id);
  }

  /** Whether the IndexedDB restore has finished (`data-restored="true"`). */
  async restored() {
    return (await attrOf(this.root, 'data-restored', `${this.name}'s board`)) === 'true';
  }

  /** Events in this user's local store (`data-events`). */
  async eventCount() {
    return this._count('data-events');
  }

  /** Events in the last snapshot this tab committed to IndexedDB (`data-saved-events`). */
  async savedEventCount() {
    return this._count('data-saved-events');
  }

  async _count(attr) {
    const v = await attrOf(this.root, attr, `${this.name}'s board`);
    const n = Number(v);
    if (v === null || v === '' || !Number.isInteger(n)) throw new Error(`${this.name}'s board ${attr} is "${v}"`);
    return n;
  }

  /** Waits until every event of this user's store is on disk (`data-saved-events` = `data-events`). */
  async waitUntilSaved({ timeout = UI_TIMEOUT_MS } = {}) {
    return eventually(
      `${this.name}'s store to be saved to IndexedDB`,
      async () => {
        // Saved first: it never exceeds the event count, so equal reads mean equal at the second read.
        const saved = await this.savedEventCount();
        const events = await this.eventCount();
        if (saved !== events) throw new Error(`data-saved-events is ${saved}, data-events is ${events}`);
        return events;
      },
      { timeout },
    );
  }

  async waitUntilRestored({ timeout = UI_TIMEOUT_MS } = {}) {
    await eventually(
      `${this.name}'s board to be restored from IndexedDB`,
      async () => {
        if (!(await this.restored())) throw new Error('data-restored is not "true"');
      },
      { timeout },
    );
  }

  /**
   * Benchmark support: a MutationObserver in the page records `Date.now()` the first time a card
   * with a given title is seen, in `window.__amorphArrivals` (title → ms), read with `arrivals()`.
   */
  async recordArrivals() {
    await this.page.evaluate(
      ({ card, title }) => {
        const seen = (window.__amorphArrivals = {});
        const scan = () => {
          const now = Date.now();
          for (const el of document.querySelectorAll(card)) {
            const t = el.querySelector(title);
            const text = t ? (t.textContent || '').trim() : '';
            if (text && !(text in seen)) seen[text] = now;
          }
        };
        scan();
        new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, characterData: true });
      },
      { card: tid('task-card'), title: tid('task-title-text') },
    );
  }

  async arrivals() {
    return this.page.evaluate(() => window.__amorphArrivals || {});
  }
}

class TaskCard {
  constructor(page, name, id) {
    this.page = page;
    this.name = name;
    this.id = id;
    this.root = page.locator(`${tid('task-card')}[data-task-id="${id}"]`);
    this.what = `${name}'s task ${id.slice(0, 12)}`;
  }

  /** One of `STATUSES`. */
  async status() {
    const s = await attrOf(this.root, 'data-status', this.what);
    if (!STATUSES.includes(s)) throw new Error(`${this.what} has data-status "${s}"`);
    return s;
  }

  async title() {
    return textOf(this.root.locator(tid('task-title-text')), `${this.what} title`);
  }

  async statusText() {
    return textOf(this.root.locator(tid('task-status')), `${this.what} status text`);
  }

  /** Full did of the claimant (from `data-did` of `task-claimant`). */
  async claimant() {
    return attrOf(this.root.locator(tid('task-claimant')), 'data-did', `${this.what} claimant`);
  }

  async result() {
    return textOf(this.root.locator(tid('task-result')), `${this.what} result`);
  }

  /** The card's own error line ('' when there is none), e.g. a refused claim. */
  async errorText() {
    return (await texts(this.root.locator(tid('task-error')))).join(' ');
  }

  /** Number of visible claim buttons on the card (0 means this user cannot claim it). */
  async claimButtons() {
    return this.root.locator(tid('claim-task')).evaluateAll((els) => els.filter((e) => e.getClientRects().length > 0).length);
  }

  async claim() {
    await this.root.locator(tid('claim-task')).click();
  }

  async submitResult(text) {
    await this.root.locator(tid('result-input')).fill(text);
    await this.root.locator(tid('submit-result')).click();
  }

  async accept() {
    await this.root.locator(tid('accept-result')).click();
  }

  async reject(reason) {
    await this.root.locator(tid('reject-reason')).fill(reason);
    await this.root.locator(tid('reject-result')).click();
  }

  /** Why this user may not claim the task (the gate shown instead of a claim button), or ''. */
  async gateText() {
    return (await texts(this.root.locator(tid('claim-gate')))).join(' ');
  }

  /** Bids `price` with readiness in `hours`. */
  async bid(price, hours = 24) {
    await this.root.locator(tid('bid-price')).fill(String(price));
    await this.root.locator(tid('bid-hours')).fill(String(hours));
    await this.root.locator(tid('place-bid')).click();
  }

  /** The bids shown on the card: `[{ did, text }]` in bid order. */
  async bids() {
    return this.root.locator(tid('task-bid')).evaluateAll((els) =>
      els.map((e) => ({ did: e.querySelector('[data-did]')?.getAttribute('data-did'), text: (e.textContent || '').trim() })),
    );
  }

  /** Awards the bid placed by `did`. */
  async award(did) {
    await this.root.locator(tid('task-bid')).filter({ has: this.page.locator(`[data-did="${did}"]`) }).locator(tid('award-bid')).click();
  }

  /** The task's price as shown (the payment, or the awarded bid's price). */
  async price() {
    return Number(await textOf(this.root.locator(tid('task-price')), `${this.what} price`));
  }

  async dispute(reason) {
    await this.root.locator(tid('dispute-reason')).fill(reason);
    await this.root.locator(tid('dispute-task')).click();
  }

  /** Whether this user is shown as a juror who still has to vote. */
  async hasJuryDuty() {
    return (await this.root.locator(tid('jury-duty')).count()) > 0;
  }

  /** Votes on the open jury case: `forExecutor` true means "the result stands". */
  async vote(forExecutor) {
    await this.root.locator(tid(forExecutor ? 'vote-executor' : 'vote-requester')).click();
  }

  /** The jury as the card's details show it: `{ verdict, jurors: [{ did, vote }] }`. */
  async jury() {
    const jury = this.root.locator(tid('task-jury'));
    const verdict = await attrOf(jury, 'data-verdict', `${this.what} jury`);
    const jurors = await jury.locator(tid('task-juror')).evaluateAll((els) =>
      els.map((e) => ({ did: e.querySelector('[data-did]')?.getAttribute('data-did'), vote: e.getAttribute('data-vote') })),
    );
    return { verdict, jurors };
  }

  /** Opens the details and returns the signed timeline's kinds, in order. */
  async timelineKinds() {
    const details = this.root.locator(tid('task-details'));
    if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
    return attrs(this.root.locator(tid('timeline-entry')), 'data-kind');
  }

  async waitForStatus(status, { timeout = UI_TIMEOUT_MS } = {}) {
    await eventually(
      `${this.what} to be "${status}"`,
      async () => {
        const now = await this.status();
        if (now !== status) throw new Error(`it is "${now}"`);
      },
      { timeout },
    );
  }
}

module.exports = { TaskBoard, TaskCard, STATUSES };
