// Page object: the status bar — relay connection, peer count, own identity and swarm, rejected-event
// counter, and the banner that says why the tab cannot join (yet).
'use strict';

const { tid, texts, textOf, attrOf, number } = require('./dom');
const { eventually, UI_TIMEOUT_MS } = require('../lib/wait');

class StatusBar {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  /** `connecting` | `connected` | `relay down` | `other swarm` | `offline`. */
  async relayState() {
    return attrOf(this.page.locator(tid('relay-status')), 'data-state', `${this.name}'s relay status`);
  }

  /** The relay (its signal URL) the tab is connected to or trying now. */
  async relayAddress() {
    return attrOf(this.page.locator(tid('relay-status')), 'data-relay', `${this.name}'s relay address`);
  }

  async relayText() {
    return textOf(this.page.locator(tid('relay-status')), `${this.name}'s relay status`);
  }

  async peerCount() {
    const what = `${this.name}'s peer count`;
    return number(await textOf(this.page.locator(tid('peer-count')), what), what);
  }

  /** Full `did:key:…` of this user (from `data-did`). */
  async myDid() {
    const did = await attrOf(this.page.locator(tid('my-did')), 'data-did', `${this.name}'s did`);
    if (!did || !did.startsWith('did:key:')) throw new Error(`${this.name}'s did is "${did}", not a did:key`);
    return did;
  }

  /** The short form shown as text. */
  async myDidShort() {
    return textOf(this.page.locator(tid('my-did')), `${this.name}'s did`);
  }

  /** Full hex id of the genesis of this user's swarm (from `data-genesis`). */
  async swarmId() {
    const id = await attrOf(this.page.locator(tid('swarm-id')), 'data-genesis', `${this.name}'s swarm`);
    if (!/^[0-9a-f]{64}$/.test(id || '')) throw new Error(`${this.name}'s swarm id is "${id}", not 64 hex digits`);
    return id;
  }

  async swarmName() {
    return textOf(this.page.locator(tid('swarm-name')), `${this.name}'s swarm name`);
  }

  /** Why this user cannot join (relay unreachable, another swarm); throws when nothing is shown. */
  async swarmProblem() {
    return textOf(this.page.locator(tid('swarm-problem')), `${this.name}'s swarm problem`);
  }

  /** Whether the swarm problem banner is shown now. */
  async hasSwarmProblem() {
    return (await texts(this.page.locator(tid('swarm-problem')))).length > 0;
  }

  async copyDid() {
    await this.page.locator(tid('copy-did')).click();
  }

  /** Events this user refused (bad signature, overwrite, …). */
  async rejectedCount() {
    const what = `${this.name}'s rejected count`;
    return number(await textOf(this.page.locator(tid('rejected-count')), what), what);
  }

  async waitForRelayState(state, { timeout = UI_TIMEOUT_MS } = {}) {
    await eventually(
      `${this.name}'s relay status to be "${state}"`,
      async () => {
        const now = await this.relayState();
        if (now !== state) throw new Error(`relay status is "${now}"`);
      },
      { timeout },
    );
  }
}

module.exports = { StatusBar };
