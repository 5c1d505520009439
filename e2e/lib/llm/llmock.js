// PyPI's llmock (installed by scripts/llm-servers.sh) as a child of the test, on a free 127.0.0.1
// port: exact-format fake OpenAI (/v1), Anthropic (/anthropic/v1), Gemini (/gemini/v1beta) servers,
// plus helpers that program its faults through POST /_llmock/scenario. It has no CORS of its own:
// pages reach it through a Front (front.js). Owns only its one child process.
'use strict';

const { Child } = require('./child');
const { requireInstalled } = require('./paths');

const LISTENING = /Uvicorn running on (http:\/\/127\.0\.0\.1:(\d+))/;
/** The `provider` values llmock's `match` understands (from the request path). */
const PROVIDERS = ['openai', 'anthropic', 'gemini', 'cohere', 'mistral', 'groq', 'together', 'perplexity', 'ai21', 'xai'];

class Llmock {
  constructor() {
    this.child = new Child('llmock');
    this.url = null;
    this.port = null;
  }

  get running() {
    return this.child.running;
  }

  /**
   * Starts llmock. `responseStyle`: 'echo' (default: "Hello! You said: <prompt, 120 chars>", so a
   * test sees which prompt arrived), 'static' ("Mock response from <model>."), 'hello', 'varied'.
   * `chunkDelayMs` paces streamed chunks (default 30, so a stream is visibly incremental).
   * `toolMode` 'off' (default here) never answers with a tool call; 'auto' calls offered tools.
   */
  async start({ responseStyle = 'echo', chunkDelayMs = 30, toolMode = 'off', extraArgs = [] } = {}) {
    const { llmock } = requireInstalled('llmock');
    const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--log-level', 'info', '--response-style', responseStyle,
      '--stream-chunk-delay-ms', String(chunkDelayMs), '--tool-mode', toolMode, ...extraArgs];
    // Log level info: uvicorn's "running on http://127.0.0.1:PORT" line is how we learn the port.
    const url = await this.child.spawn(llmock, args, {
      env: { NO_COLOR: '1', PYTHONUNBUFFERED: '1', COLUMNS: '120' },
      ready: (line) => {
        const m = LISTENING.exec(line);
        return m && m[1];
      },
      timeoutMs: 60_000,
    });
    this.url = url;
    this.port = Number(new URL(url).port);
    return url;
  }

  async stop() {
    await this.child.stop();
  }

  logText() {
    return this.child.logText();
  }

  async _admin(method, path, body) {
    if (!this.url) throw new Error('llmock was never started');
    const response = await fetch(`${this.url}/_llmock/${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`llmock ${method} /_llmock/${path} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** Queues raw behaviours, exactly as llmock's JSON takes them (see the report / README). */
  scenario(...behaviors) {
    return this._admin('POST', 'scenario', { behaviors: behaviors.flat() });
  }

  /** Behaviours still waiting to fire. */
  async pending() {
    return (await this._admin('GET', 'scenario')).pending;
  }

  /** Every request llmock served (its own journal), oldest first. */
  async requests() {
    return (await this._admin('GET', 'requests')).requests;
  }

  /** Forgets requests and queued behaviours. */
  reset() {
    return this._admin('POST', 'reset');
  }

  /**
   * The next `times` matching requests get HTTP `status` in the provider's own error body.
   * 429, 503, 504 and 529 carry `retry-after` (whole seconds, rounded up) and `retry-after-ms`;
   * `retryAfter` (seconds, may be fractional) sets them, default 1.
   */
  fail(status, { provider, model, path, retryAfter, message, code, times = 1 } = {}) {
    return this.scenario(behavior('fail', { status, retry_after: retryAfter, message, code, times }, { provider, model, path }));
  }

  /** `kind`: 'disconnect' (connection cut), 'truncate' (clean end, no finish/terminator),
   *  'malformed' (one chunk's JSON cut short, stream goes on), 'stall' (`stallSeconds` of silence). */
  streamFault(kind, { provider, model, path, afterChunks = 2, stallSeconds, times = 1 } = {}) {
    return this.scenario(
      behavior('stream_fault', { kind, after_chunks: afterChunks, stall_seconds: stallSeconds, times }, { provider, model, path, stream: true }),
    );
  }

  /** The next matching request answers `text` (stream or not). */
  reply(text, { provider, model, path, finishReason, times = 1 } = {}) {
    return this.scenario(behavior('reply', { text, finish_reason: finishReason, times }, { provider, model, path }));
  }

  /** Holds the whole response `seconds`. */
  delay(seconds, { provider, model, path, times = 1 } = {}) {
    return this.scenario(behavior('delay', { seconds, times }, { provider, model, path }));
  }

  /** Waits `seconds` before the first streamed chunk. */
  slowFirstToken(seconds, { provider, model, path, times = 1 } = {}) {
    return this.scenario(behavior('slow_first_token', { seconds, times }, { provider, model, path, stream: true }));
  }
}

/** One behaviour's JSON: undefined fields dropped; `times: null` is kept (permanent). */
function behavior(type, fields, match) {
  const out = { type };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  const m = {};
  for (const [k, v] of Object.entries(match)) if (v !== undefined) m[k] = v;
  if (m.provider && !PROVIDERS.includes(m.provider)) throw new Error(`llmock knows no provider ${m.provider}`);
  if (Object.keys(m).length) out.match = m;
  return out;
}

module.exports = { Llmock, PROVIDERS, behavior };
