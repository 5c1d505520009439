// Scenario fixture: one relay + one Chromium per test file, users joining as Peer page objects,
// steps that stop the story at the first failure and leave artifacts (screenshots, console, relay log).
// Owns cleanup: the browser is closed and the relay stopped in `after`, whatever happened.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');
const { Relay } = require('./relay');
const { launchBrowser, openUser } = require('./browser');
const { ARTIFACTS_DIR } = require('./paths');
const { Peer } = require('../pages/peer');

const STEP_TIMEOUT_MS = 180_000;

class Swarm {
  constructor(scenario) {
    this.scenario = scenario;
    this.relay = new Relay();
    this.browser = null;
    this.peers = [];
    this.failed = null;
    this.artifactsDir = path.join(ARTIFACTS_DIR, scenario);
  }

  async start() {
    Relay.preflight();
    fs.rmSync(this.artifactsDir, { recursive: true, force: true });
    await this.relay.start();
    this.browser = await launchBrowser();
  }

  async stop() {
    const problems = [];
    this._keepLogs(problems);
    if (this.browser) await this.browser.close().catch((e) => problems.push(`browser close: ${e.message}`));
    await this.relay.dispose().catch((e) => problems.push(`relay stop: ${e.message}`));
    if (problems.length) throw new Error(problems.join('; '));
  }

  get url() {
    return this.relay.url;
  }

  /** Opens one user per name, one after another, each in a fresh browser context. */
  async join(...names) {
    const joined = [];
    for (const name of names) joined.push(await this.joinWith(name));
    return joined;
  }

  /**
   * Opens one user; `beforeOpen(context)` runs before its page loads, `query` (e.g. `mesh-active=3`)
   * is added to the address's query and `fragment` (e.g. an invite) follows its `#` (see lib/browser.js).
   */
  async joinWith(name, { beforeOpen, fragment, query } = {}) {
    const peer = new Peer(await openUser(this.browser, this.relay.url, name, { beforeOpen, fragment, query }));
    this.peers.push(peer);
    return peer;
  }

  /**
   * A user story step. Steps of one scenario run in order; once one fails the rest are skipped
   * (they would only fail for the same reason). A failure leaves artifacts and carries every
   * page's console errors and what each screen showed.
   */
  step(name, fn, { timeout = STEP_TIMEOUT_MS } = {}) {
    it(name, { timeout }, async (t) => {
      if (this.failed) {
        t.skip(`skipped: earlier step "${this.failed}" failed`);
        return;
      }
      try {
        await fn(t);
      } catch (err) {
        this.failed = name;
        throw await this._report(name, err);
      }
    });
  }

  /** Every run leaves each page's console and the relay log under artifacts/<scenario>/. */
  _keepLogs(problems) {
    try {
      fs.mkdirSync(this.artifactsDir, { recursive: true });
      for (const peer of this.peers) {
        fs.writeFileSync(path.join(this.artifactsDir, `console-${peer.name}.log`), peer.user.console.join('\n') + '\n');
      }
      fs.writeFileSync(path.join(this.artifactsDir, 'relay.log'), this.relay.logText() + '\n');
    } catch (e) {
      problems.push(`keeping logs: ${e.message}`);
    }
  }

  async _report(stepName, err) {
    const slug = stepName.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 60).toLowerCase();
    const lines = [];
    try {
      fs.mkdirSync(this.artifactsDir, { recursive: true });
      for (const peer of this.peers) {
        const base = path.join(this.artifactsDir, `${slug}-${peer.name}`);
        await peer.page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 10_000 }).catch(() => {});
        fs.writeFileSync(`${base}.console.log`, peer.user.console.join('\n') + '\n');
        lines.push(`  ${await peer.describe()}`);
        const errors = peer.user.errors.slice(-15);
        if (errors.length) lines.push(`  ${peer.name} console errors (last ${errors.length}):\n    ${errors.join('\n    ')}`);
      }
      fs.writeFileSync(path.join(this.artifactsDir, `${slug}-relay.log`), this.relay.logText() + '\n');
      const relayTail = this.relay.log.filter((l) => l.includes('[stderr]')).slice(-10);
      if (relayTail.length) lines.push(`  relay stderr (last ${relayTail.length}):\n    ${relayTail.join('\n    ')}`);
      lines.push(`  artifacts: ${path.relative(process.cwd(), this.artifactsDir)}/${slug}-*`);
    } catch (e) {
      lines.push(`  (collecting artifacts failed: ${e.message})`);
    }
    const message = `${err && err.message}\n--- state at failure ---\n${lines.join('\n')}`;
    const wrapped = new Error(message);
    const frames = String((err && err.stack) || '').split('\n').filter((l) => /^\s+at /.test(l));
    wrapped.stack = `Error: ${message}\n${frames.join('\n')}`;
    return wrapped;
  }
}

/**
 * Declares a scenario: `body(swarm)` registers its steps with `swarm.step`.
 * The relay and browser start before the first step and stop after the last one, even on failure.
 */
function scenario(title, body) {
  const fileSlug = path.basename(require.main ? require.main.filename : title, '.test.js');
  describe(title, () => {
    const swarm = new Swarm(fileSlug);
    before(() => swarm.start(), { timeout: 90_000 });
    after(() => swarm.stop(), { timeout: 30_000 });
    body(swarm);
  });
}

module.exports = { Swarm, scenario };
