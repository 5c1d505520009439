// The real `amorph-relay` binary as a child process of the test: start, stop, restart on the same port.
// Each Relay has its own temporary data directory (identity + genesis: the swarm it founds), kept
// across restarts and removed by dispose(). Owns only that one child, which it stops by its own PID
// (SIGTERM, then SIGKILL after 3 s); never signals any other process, never builds the binary.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { relayBinary, appDir } = require('./paths');

const LISTENING = /Amorph relay listening on (http:\/\/127\.0\.0\.1:(\d+)\/?)/;
const START_TIMEOUT_MS = 30_000;
const TERM_GRACE_MS = 3_000;
const LOG_LINES_KEPT = 400;
/** What each new identity gets from the relay (enough to post and stake in every scenario). */
const WELCOME_GRANT = 100;
/** Every test page comes from 127.0.0.1, so the per-address allowance must cover them all. */
const GRANTS_PER_DAY = 1000;

/** Relays still running in this process: killed if the test process exits without its `after` hook. */
const live = new Set();
process.on('exit', () => {
  for (const relay of live) relay._killNow();
});
// SIGINT is handled by playwright-core (closes browsers, exits: the 'exit' hook above runs).
for (const signal of ['SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    for (const relay of live) relay._killNow();
    process.exit(128 + (signal === 'SIGTERM' ? 15 : 1));
  });
}

class Relay {
  constructor({ bin = relayBinary(), dist = appDir() } = {}) {
    this.bin = bin;
    this.dist = dist;
    this.child = null;
    this.port = null;
    this.url = null;
    this.log = [];
    this.starts = 0;
    // Every Relay gets its own working and data directories, kept across restarts (the same swarm
    // comes back) and removed by dispose(). `restart({ newSwarm: true })` moves to a fresh data
    // directory: the relay founds another swarm.
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amorph-e2e-relay-'));
    this.swarms = 1;
    this.dataDir = path.join(this.workDir, 'data-1');
  }

  /** Checks that the binary and the built app exist, with the command that makes each. */
  static preflight({ bin = relayBinary(), dist = appDir() } = {}) {
    const problems = [];
    if (!fs.existsSync(bin)) {
      problems.push(
        `relay binary not found at ${bin} (set AMORPH_RELAY_BIN, or build it: ` +
          'CARGO_TARGET_DIR=$HOME/.cache/amorph/target cargo build --profile relay -p amorph-relay)',
      );
    }
    if (!fs.existsSync(path.join(dist, 'index.html'))) {
      problems.push(`built app not found: ${path.join(dist, 'index.html')} is missing (set AMORPH_DIST, or run trunk build --release)`);
    }
    if (problems.length) throw new Error(`e2e preflight failed:\n  - ${problems.join('\n  - ')}`);
  }

  get running() {
    return this.child !== null;
  }

  /**
   * Starts the relay on `port` (0: any free port) and resolves with its URL once it says it listens.
   * Every new identity gets a welcome grant of `grant` credits (0: none), as `make run` does.
   */
  async start({ port = 0, grant = WELCOME_GRANT } = {}) {
    if (this.child) throw new Error(`relay already running at ${this.url}`);
    Relay.preflight({ bin: this.bin, dist: this.dist });
    this.starts += 1;
    const startNo = this.starts;
    const args = ['--port', String(port), '--app-dir', this.dist, '--data-dir', this.dataDir, '--grant-newcomers', String(grant), '--grants-per-ip-per-day', String(GRANTS_PER_DAY)];
    const command = `${this.bin} ${args.join(' ')}`;
    this._note(`--- start #${startNo}: ${command} (cwd ${this.workDir})`);
    const child = spawn(this.bin, args, {
      cwd: this.workDir,
      env: { ...process.env, RUST_BACKTRACE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(this);

    const exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this._note(`--- relay #${startNo} (pid ${child.pid}) exited: code ${code} signal ${signal}`);
        if (this.child === child) {
          this.child = null;
          live.delete(this);
        }
        resolve({ code, signal });
      });
    });
    child.exitPromise = exited;

    const stderrLines = [];
    lines(child.stderr, (line) => {
      stderrLines.push(line);
      this._note(`[stderr] ${line}`);
    });

    const url = await new Promise((resolve, reject) => {
      let done = false;
      const finish = (fn, value) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        fn(value);
      };
      const explain = (why) =>
        new Error(
          `amorph-relay did not report "Amorph relay listening on http://127.0.0.1:PORT/" ${why}.\n` +
            `command: ${command}\n` +
            `stderr (last 40 lines):\n${stderrLines.slice(-40).join('\n') || '(empty)'}`,
        );
      const timer = setTimeout(() => {
        finish(reject, explain(`within ${START_TIMEOUT_MS / 1000} s`));
        this._killNow();
      }, START_TIMEOUT_MS);
      lines(child.stdout, (line) => {
        this._note(`[stdout] ${line}`);
        const m = LISTENING.exec(line);
        if (m) finish(resolve, m[1].endsWith('/') ? m[1] : `${m[1]}/`);
      });
      child.once('error', (err) => finish(reject, explain(`(spawn failed: ${err.message})`)));
      exited.then(({ code, signal }) => finish(reject, explain(`before exiting (code ${code}, signal ${signal})`)));
    });

    this.url = url;
    this.port = Number(new URL(url).port);
    if (port !== 0 && this.port !== port) {
      throw new Error(`relay was asked for port ${port} but reports ${url}`);
    }
    return url;
  }

  /** SIGTERM to our child's PID, SIGKILL after 3 s if it is still there. Safe to call when stopped. */
  async stop() {
    const child = this.child;
    if (!child) return;
    const exited = child.exitPromise;
    child.kill('SIGTERM');
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise((r) => setTimeout(() => r(true), TERM_GRACE_MS)),
    ]);
    if (timedOut) {
      this._note(`--- relay pid ${child.pid} ignored SIGTERM for ${TERM_GRACE_MS} ms: SIGKILL`);
      child.kill('SIGKILL');
      await exited;
    }
  }

  /**
   * Stops, then starts again on the same port (retrying while the old socket is still being released).
   * Same data directory, so the same swarm; with `newSwarm` a fresh one, so the relay founds another.
   */
  async restart({ newSwarm = false } = {}) {
    const port = this.port;
    if (!port) throw new Error('relay was never started: nothing to restart');
    await this.stop();
    if (newSwarm) {
      this.swarms += 1;
      this.dataDir = path.join(this.workDir, `data-${this.swarms}`);
    }
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        return await this.start({ port });
      } catch (err) {
        if (Date.now() > deadline || !/in use|AddrInUse|os error 98/i.test(err.message)) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** `GET /health` as JSON (`swarm` is the hex id of the genesis the relay serves). */
  async health() {
    if (!this.url) throw new Error('relay was never started: no /health');
    const response = await fetch(new URL('health', this.url));
    if (!response.ok) throw new Error(`GET /health answered ${response.status}`);
    return response.json();
  }

  /** Stops the relay and removes its working and data directories. */
  async dispose() {
    await this.stop();
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }

  /** Everything the relay printed (both streams), oldest first, bounded. */
  logText() {
    return this.log.join('\n');
  }

  _note(line) {
    this.log.push(`${new Date().toISOString()} ${line}`);
    if (this.log.length > LOG_LINES_KEPT) this.log.splice(0, this.log.length - LOG_LINES_KEPT);
  }

  _killNow() {
    if (this.child) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

function lines(stream, onLine) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl).replace(/\r$/, ''));
      buf = buf.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buf) onLine(buf);
  });
}

module.exports = { Relay };
