// One server child process of a test (llmock, llama-server): spawn, wait until it is ready, stop.
// Owns only the child it spawned, which it stops by its own PID (SIGTERM, then SIGKILL after 3 s);
// never signals any other process. Children still running when the test process exits are killed.
'use strict';

const net = require('node:net');
const { spawn } = require('node:child_process');

const TERM_GRACE_MS = 3_000;
const LOG_LINES_KEPT = 400;

const live = new Set();
process.on('exit', () => {
  for (const child of live) child._killNow();
});
for (const signal of ['SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    for (const child of live) child._killNow();
    process.exit(128 + (signal === 'SIGTERM' ? 15 : 1));
  });
}

/** A free TCP port on 127.0.0.1 (for servers that cannot bind port 0 and report it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

class Child {
  /** `name` appears in errors and the log. */
  constructor(name) {
    this.name = name;
    this.proc = null;
    this.log = [];
    this.command = null;
  }

  get running() {
    return this.proc !== null;
  }

  get pid() {
    return this.proc ? this.proc.pid : null;
  }

  /**
   * Spawns `bin args` and resolves once `ready(line)` returns a truthy value for a line of its output
   * (that value is returned) or, when `probe` is given, once `probe()` resolves truthy (polled).
   * Rejects, with the last lines of output, if it exits first or `timeoutMs` passes. Values listed in
   * `secrets` are replaced by [redacted] in the logged command line.
   */
  async spawn(bin, args, { env = {}, cwd, ready, probe, timeoutMs = 60_000, secrets = [] } = {}) {
    if (this.proc) throw new Error(`${this.name} already running (pid ${this.proc.pid})`);
    // `secrets` (e.g. an --api-key value) never appear in the log or in errors.
    this.command = `${bin} ${args.map((a) => (secrets.includes(a) ? '[redacted]' : a)).join(' ')}`;
    this._note(`--- start: ${this.command}`);
    const proc = spawn(bin, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    live.add(this);
    const exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this._note(`--- ${this.name} (pid ${proc.pid}) exited: code ${code} signal ${signal}`);
        if (this.proc === proc) {
          this.proc = null;
          live.delete(this);
        }
        resolve({ code, signal });
      });
    });
    proc.exitPromise = exited;

    let done = false;
    let onReady;
    const readyPromise = new Promise((resolve) => {
      onReady = resolve;
    });
    const seeLine = (stream) => (line) => {
      this._note(`[${stream}] ${line}`);
      if (!done && ready) {
        const value = ready(line);
        if (value) onReady(value);
      }
    };
    lines(proc.stdout, seeLine('stdout'));
    lines(proc.stderr, seeLine('stderr'));
    let polling = true;
    if (probe) {
      (async () => {
        while (polling && !done) {
          try {
            const value = await probe();
            if (value) return onReady(value);
          } catch {
            /* not up yet */
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
    }

    const explain = (why) =>
      new Error(`${this.name} did not become ready ${why}.\ncommand: ${this.command}\noutput (last 40 lines):\n${this.log.slice(-40).join('\n')}`);
    let timer;
    try {
      return await Promise.race([
        readyPromise,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(explain(`within ${timeoutMs / 1000} s`)), timeoutMs);
        }),
        new Promise((_, reject) => proc.once('error', (err) => reject(explain(`(spawn failed: ${err.message})`)))),
        exited.then(({ code, signal }) => {
          throw explain(`before exiting (code ${code}, signal ${signal})`);
        }),
      ]);
    } catch (err) {
      this._killNow();
      throw err;
    } finally {
      done = true;
      polling = false;
      clearTimeout(timer);
    }
  }

  /** SIGTERM to our child's PID, SIGKILL after 3 s if it is still there. Safe to call when stopped. */
  async stop() {
    const proc = this.proc;
    if (!proc) return;
    const exited = proc.exitPromise;
    proc.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), new Promise((r) => setTimeout(() => r(true), TERM_GRACE_MS))]);
    if (timedOut) {
      this._note(`--- ${this.name} pid ${proc.pid} ignored SIGTERM for ${TERM_GRACE_MS} ms: SIGKILL`);
      proc.kill('SIGKILL');
      await exited;
    }
  }

  /** Everything the child printed (both streams), oldest first, bounded. */
  logText() {
    return this.log.join('\n');
  }

  _note(line) {
    this.log.push(`${new Date().toISOString()} ${line}`);
    if (this.log.length > LOG_LINES_KEPT) this.log.splice(0, this.log.length - LOG_LINES_KEPT);
  }

  _killNow() {
    if (this.proc) {
      try {
        this.proc.kill('SIGKILL');
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

module.exports = { Child, freePort };
