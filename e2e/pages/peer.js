// Page object for one simulated user: a browser context + page at `<relay>?test-hooks`, composed
// of one page object per screen/concept. Tests talk to users only through this.
'use strict';

const { StatusBar } = require('./status-bar');
const { PeerList } = require('./peer-list');
const { PostForm } = require('./post-form');
const { TaskBoard } = require('./task-board');
const { KarmaPanel } = require('./karma-panel');
const { Wallet } = require('./wallet');
const { HardwarePanel } = require('./hardware-panel');
const { TestHooks } = require('./test-hooks');
const { ModelPanel } = require('./model-panel');
const { Planner } = require('./planner');
const { Run } = require('./run');
const { Settings } = require('./settings');
const { InviteCard } = require('./invite');
const { MeshPanel } = require('./mesh');
const { tid, texts } = require('./dom');
const { eventually, UI_TIMEOUT_MS, RECONNECT_TIMEOUT_MS } = require('../lib/wait');

class Peer {
  /** `user` is what lib/browser.js `openUser` returns. */
  constructor(user) {
    this.user = user;
    this.name = user.name;
    this.context = user.context;
    this.page = user.page;
    this.status = new StatusBar(this.page, this.name);
    this.peerList = new PeerList(this.page, this.name);
    this.postForm = new PostForm(this.page, this.name);
    this.board = new TaskBoard(this.page, this.name);
    this.karma = new KarmaPanel(this.page, this.name);
    this.wallet = new Wallet(this.page, this.name);
    this.hardware = new HardwarePanel(this.page, this.name);
    this.hooks = new TestHooks(this.page, this.name);
    this.model = new ModelPanel(this.page, this.name);
    this.planner = new Planner(this.page, this.name);
    this.run = new Run(this.page, this.name);
    this.settings = new Settings(this.page, this.name);
    this.invite = new InviteCard(this.page, this.name);
    this.mesh = new MeshPanel(this.page, this.name);
    this._did = null;
  }

  /** This user's full did:key (waits for the identity to be shown; stable across reloads). */
  async did() {
    if (!this._did) this._did = await eventually(`${this.name}'s did to be shown`, () => this.status.myDid());
    return this._did;
  }

  async reload() {
    await this.page.reload({ waitUntil: 'load', timeout: RECONNECT_TIMEOUT_MS });
  }

  /**
   * Posts a task and waits for its card on this user's own board; returns the card. Waits first
   * for a balance that covers the payment (a newcomer's welcome grant arrives with its first sync).
   */
  async postTask(task) {
    await this.wallet.waitForBalance(Number(task.reward ?? 1));
    const posted = await this.postForm.post(task);
    let card;
    try {
      card = await this.board.waitForTitle(posted.title);
    } catch (err) {
      const formError = await this.postForm.errorText().catch(() => '');
      if (formError) err.message += `\n  the form says: ${formError}`;
      throw err;
    }
    return { card, posted };
  }

  /** Waits until this user lists every one of `others` as a connected peer. */
  async waitForPeers(others, { timeout = UI_TIMEOUT_MS } = {}) {
    const dids = [];
    for (const o of others) dids.push(await o.did());
    return this.peerList.waitForPeers(dids, { timeout });
  }

  /** A short human-readable account of what this user's screen shows, for failure reports. */
  async describe() {
    const safe = async (fn) => {
      try {
        return await fn();
      } catch (err) {
        return `?(${err.message.split('\n')[0]})`;
      }
    };
    const board = await safe(() => this.board.snapshot());
    const cardErrors = await safe(async () => (await texts(this.page.locator(`${tid('task-error')}, ${tid('post-error')}`))).filter(Boolean));
    return [
      `${this.name}: did=${await safe(() => this.status.myDid())}`,
      `relay=${await safe(() => this.status.relayState())}`,
      `peer-count=${await safe(() => this.status.peerCount())}`,
      `peers=${JSON.stringify(await safe(() => this.peerList.dids()))}`,
      `rejected=${await safe(() => this.status.rejectedCount())}`,
      `restored=${await safe(() => this.board.restored())}`,
      `events=${await safe(() => this.board.eventCount())}`,
      `saved=${await safe(() => this.board.savedEventCount())}`,
      `worker=${await safe(() => this.hardware.workerStatus())}`,
      `wallet=${JSON.stringify(await safe(() => this.wallet.figures()))}`,
      `errors=${JSON.stringify(cardErrors)}`,
      `board=${Array.isArray(board) ? JSON.stringify(board.map((c) => `${c.id && c.id.slice(0, 12)}:${c.status}:${c.title}`)) : board}`,
    ].join(' ');
  }
}

module.exports = { Peer };
