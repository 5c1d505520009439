// llama.cpp's llama-server (built by scripts/llm-servers.sh) serving SmolLM2-135M-Instruct as a
// child of the test, on a free 127.0.0.1 port: OpenAI /v1/chat/completions and Anthropic
// /v1/messages, streaming, checked against an API key. A real model: answers are real (and short).
// Pages reach it through a Front (front.js). Owns only its one child process.
'use strict';

const { execFileSync } = require('node:child_process');
const { Child, freePort } = require('./child');
const { requireInstalled } = require('./paths');

/** The key the tests use unless they pass their own; not a secret of anyone's. */
const TEST_API_KEY = 'amorph-test-key-llama';
const MODEL_ALIAS = 'smollm2';
const helpCache = new Map();

function supportsFlag(bin, flag) {
  if (!helpCache.has(bin)) {
    let help = '';
    try {
      help = execFileSync(bin, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    } catch (err) {
      help = `${err.stdout || ''}${err.stderr || ''}`;
    }
    helpCache.set(bin, help);
  }
  return helpCache.get(bin).includes(flag);
}

class LlamaServer {
  constructor() {
    this.child = new Child('llama-server');
    this.url = null;
    this.port = null;
    this.apiKey = null;
    this.model = MODEL_ALIAS;
  }

  get running() {
    return this.child.running;
  }

  /**
   * Starts llama-server and resolves with its base URL once GET /health answers 200 (model loaded).
   * `apiKey` (default TEST_API_KEY; null: no key check), `ctx` context tokens (2048, shared by the
   * slots), `threads` (2), `parallel` slots (2: a test may stream while another request comes).
   */
  async start({ apiKey = TEST_API_KEY, ctx = 2048, threads = 2, parallel = 2, extraArgs = [] } = {}) {
    const { llamaServer, gguf } = requireInstalled('llamaServer', 'gguf');
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const args = ['-m', gguf, '--host', '127.0.0.1', '--port', String(port), '--alias', MODEL_ALIAS,
        '-c', String(ctx), '-t', String(threads), '-tb', String(threads), '-np', String(parallel), '--no-warmup'];
      if (apiKey) args.push('--api-key', apiKey);
      if (supportsFlag(llamaServer, '--no-webui')) args.push('--no-webui');
      args.push(...extraArgs);
      const url = `http://127.0.0.1:${port}`;
      try {
        await this.child.spawn(llamaServer, args, {
          probe: async () => (await fetch(`${url}/health`)).status === 200,
          timeoutMs: 60_000,
          secrets: apiKey ? [apiKey] : [],
        });
      } catch (err) {
        // Another process took the port between freePort() and the bind: try another one.
        if (attempt < 3 && /bind|address already in use|couldn't bind/i.test(err.message)) continue;
        throw err;
      }
      this.url = url;
      this.port = port;
      this.apiKey = apiKey;
      return url;
    }
  }

  async stop() {
    await this.child.stop();
  }

  logText() {
    return this.child.logText();
  }
}

module.exports = { LlamaServer, TEST_API_KEY, MODEL_ALIAS };
