// A small HTTP front of our own before one LLM server (llmock or llama-server), on 127.0.0.1.
// It answers CORS preflights, adds the CORS headers a page needs (upstream ones are replaced, so a
// browser never sees two Access-Control-Allow-Origin), passes each response through unbuffered
// (SSE stays token by token; an upstream cut becomes a cut here) and keeps a REQUEST LOG: method,
// path, headers with secrets redacted to a fingerprint, the full request body, the status and a
// bounded copy of the response. Tests read the log (log(), or GET /_front/log) to prove what did and
// did not reach a server. Never stores or prints a secret in clear; owns no child process.
'use strict';

const crypto = require('node:crypto');
const http = require('node:http');

/** Headers the browser clients send (OpenAI, Anthropic, Gemini); a preflight asking for others fails. */
const ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'x-api-key',
  'anthropic-version',
  'anthropic-beta',
  'anthropic-dangerous-direct-browser-access',
  'x-goog-api-key',
  'x-stainless-retry-count',
  'x-stainless-timeout',
];
/** Response headers a page's script may read. */
const EXPOSE_HEADERS = [
  'retry-after',
  'retry-after-ms',
  'request-id',
  'x-request-id',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
  'anthropic-ratelimit-requests-remaining',
  'anthropic-ratelimit-requests-reset',
  'anthropic-ratelimit-tokens-remaining',
  'anthropic-ratelimit-tokens-reset',
];
/** Request headers whose value is a secret: logged as a fingerprint only. */
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'x-goog-api-key', 'cookie', 'proxy-authorization']);
/** Query parameters whose value is a secret (Gemini accepts `?key=`). */
const SECRET_PARAMS = new Set(['key', 'api_key', 'apikey']);
const LOG_ENTRIES_KEPT = 2_000;
const RESPONSE_BYTES_KEPT = 256 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** How a secret appears in the log: `[redacted sha256:<first 12 hex>]`. Tests compare with this. */
function fingerprint(secret) {
  return `[redacted sha256:${crypto.createHash('sha256').update(String(secret)).digest('hex').slice(0, 12)}]`;
}

/** `Bearer sk-…` keeps its scheme: `Bearer [redacted sha256:…]`. */
function redactHeader(name, value) {
  if (!SECRET_HEADERS.has(name)) return value;
  const m = /^(Bearer|Basic)\s+(.*)$/i.exec(value);
  return m ? `${m[1]} ${fingerprint(m[2])}` : fingerprint(value);
}

function redactPath(rawPath) {
  const url = new URL(rawPath, 'http://front.invalid');
  let changed = false;
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAMS.has(name.toLowerCase())) {
      url.searchParams.set(name, fingerprint(url.searchParams.get(name)));
      changed = true;
    }
  }
  return changed ? url.pathname + url.search : rawPath;
}

class Front {
  /**
   * `target`: the upstream base URL (e.g. `http://127.0.0.1:PORT`); `name` tags the log entries.
   * `allowHeaders` adds to ALLOW_HEADERS.
   */
  constructor({ target, name = 'front', allowHeaders = [] } = {}) {
    if (!target) throw new Error('Front needs a target URL');
    this.target = new URL(target);
    this.name = name;
    this.allowHeaders = [...new Set([...ALLOW_HEADERS, ...allowHeaders.map((h) => h.toLowerCase())])];
    this.entries = [];
    this.nextId = 1;
    this.server = null;
    this.url = null;
    this.port = null;
    this.sockets = new Set();
  }

  /** Listens on 127.0.0.1:`port` (0: a free one); resolves with the front's base URL (no trailing slash). */
  async start({ port = 0 } = {}) {
    if (this.server) throw new Error(`${this.name} front already listening at ${this.url}`);
    const server = http.createServer((req, res) => this._handle(req, res));
    server.on('connection', (socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // SSE streams may legitimately be silent for a long time (a stall fault): never time them out here.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.server = server;
    this.port = server.address().port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this.url;
  }

  /** Closes the listener and every open connection (streams in flight are cut). */
  async stop() {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  /**
   * The log, oldest first; `filter` picks entries by `method`, `path` (string prefix or RegExp) and
   * `preflight` (default false: preflights are left out unless asked for).
   */
  log({ method, path, preflight = false } = {}) {
    return this.entries.filter(
      (e) =>
        (preflight === null || e.preflight === preflight) &&
        (!method || e.method === method) &&
        (!path || (path instanceof RegExp ? path.test(e.path) : e.path.startsWith(path))),
    );
  }

  clearLog() {
    this.entries = [];
  }

  /** True when any logged request body or path contains `text` (for "this never left the device"). */
  sawText(text) {
    return this.entries.some((e) => e.path.includes(text) || (e.body && e.body.includes(text)));
  }

  _corsHeaders(req) {
    return {
      'access-control-allow-origin': req.headers.origin || '*',
      'access-control-expose-headers': EXPOSE_HEADERS.join(', '),
      vary: 'Origin',
    };
  }

  _record(entry) {
    this.entries.push(entry);
    if (this.entries.length > LOG_ENTRIES_KEPT) this.entries.splice(0, this.entries.length - LOG_ENTRIES_KEPT);
  }

  _handle(req, res) {
    const started = Date.now();
    const cors = this._corsHeaders(req);
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = Array.isArray(value) ? value.map((v) => redactHeader(name, v)) : redactHeader(name, value);
    }
    const entry = {
      id: this.nextId++,
      front: this.name,
      time: new Date(started).toISOString(),
      method: req.method,
      path: redactPath(req.url),
      headers,
      body: '',
      json: null,
      preflight: false,
      status: null,
      responseHeaders: null,
      response: '',
      responseBytes: 0,
      responseTruncated: false,
      complete: false,
      error: null,
      durationMs: null,
    };

    // The front's own routes.
    if (req.url === '/_front/log' || req.url.startsWith('/_front/log?')) {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, DELETE', 'access-control-max-age': '600' });
        return res.end();
      }
      if (req.method === 'DELETE') this.clearLog();
      res.writeHead(200, { ...cors, 'content-type': 'application/json' });
      return res.end(JSON.stringify({ front: this.name, target: this.target.origin, entries: this.entries }));
    }

    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      entry.preflight = true;
      const asked = (req.headers['access-control-request-headers'] || '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      const refused = asked.filter((h) => !this.allowHeaders.includes(h));
      entry.status = 204;
      entry.complete = true;
      entry.durationMs = 0;
      if (refused.length) entry.error = `preflight asked for headers the front does not allow: ${refused.join(', ')}`;
      this._record(entry);
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': this.allowHeaders.join(', '),
        'access-control-max-age': '600',
      });
      return res.end();
    }

    this._record(entry);
    const bodyChunks = [];
    const upstreamHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && name !== 'host' && name !== 'origin' && name !== 'referer') upstreamHeaders[name] = value;
    }
    upstreamHeaders.host = this.target.host;
    const upstream = http.request({
      host: this.target.hostname,
      port: this.target.port,
      method: req.method,
      path: req.url,
      headers: upstreamHeaders,
      // One connection per request: a kept-alive socket the server has meanwhile closed (llama-server's
      // httplib does so) would fail the next request with "socket hang up".
      agent: false,
    });
    const finish = (error) => {
      if (entry.durationMs !== null) return;
      entry.durationMs = Date.now() - started;
      if (error && !entry.error) entry.error = error;
    };
    upstream.on('socket', (socket) => socket.setNoDelay(true));

    req.on('data', (chunk) => bodyChunks.push(chunk));
    req.on('end', () => {
      entry.body = Buffer.concat(bodyChunks).toString('utf8');
      try {
        entry.json = entry.body ? JSON.parse(entry.body) : null;
      } catch {
        entry.json = null;
      }
    });
    req.pipe(upstream);
    // The page went away (fetch aborted, tab closed): cut the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) {
        finish('client closed the connection before the response ended');
        upstream.destroy();
      }
    });

    upstream.on('error', (err) => {
      finish(`upstream: ${err.message}`);
      if (!res.headersSent) {
        res.writeHead(502, { ...cors, 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `front ${this.name}: upstream ${this.target.origin} failed: ${err.message}` } }));
      } else {
        res.destroy();
      }
    });

    upstream.on('response', (up) => {
      const out = {};
      for (const [name, value] of Object.entries(up.headers)) {
        if (!HOP_BY_HOP.has(name) && !name.startsWith('access-control-') && name !== 'vary') out[name] = value;
      }
      Object.assign(out, cors);
      entry.status = up.statusCode;
      entry.responseHeaders = out;
      res.writeHead(up.statusCode, up.statusMessage, out);
      res.flushHeaders();
      up.on('data', (chunk) => {
        entry.responseBytes += chunk.length;
        if (entry.response.length < RESPONSE_BYTES_KEPT) entry.response += chunk.toString('utf8');
        else entry.responseTruncated = true;
        res.write(chunk);
      });
      up.on('end', () => {
        entry.complete = true;
        finish(null);
        res.end();
      });
      // An upstream cut mid-stream (llmock's "disconnect") must reach the page as a cut, not a clean end.
      up.on('close', () => {
        if (!up.complete) {
          finish('upstream closed the connection mid-response');
          res.destroy();
        }
      });
      up.on('error', () => {});
    });
  }
}

module.exports = { Front, fingerprint, ALLOW_HEADERS, EXPOSE_HEADERS };
