// The local LLM servers a test needs, each behind its own CORS front with a request log:
//   const llm = await startLlmServers();            // both; or { llama: false } / { llmock: false }
//   llm.urls.openai      -> llmock OpenAI base       (…/v1)
//   llm.urls.anthropic   -> llmock Anthropic base    (…/anthropic/v1)
//   llm.urls.gemini      -> llmock Gemini base       (…/gemini/v1beta)
//   llm.urls.llama       -> llama-server base        (…/v1: chat/completions and messages)
//   await llm.llmock.fail(429, { provider: 'anthropic', retryAfter: 2 });
//   llm.fronts.llmock.log() / llm.fronts.llama.log() / llm.sawText('secret')
//   await llm.stop();
// Owns the children and fronts it starts; stops them by their own PIDs.
'use strict';

const { Front, fingerprint } = require('./front');
const { Llmock, PROVIDERS } = require('./llmock');
const { LlamaServer, TEST_API_KEY, MODEL_ALIAS } = require('./llama');
const { llmPaths, requireInstalled } = require('./paths');

async function startLlmServers({ llmock: wantLlmock = true, llama: wantLlama = true, llmockOptions = {}, llamaOptions = {} } = {}) {
  const out = { llmock: null, llama: null, fronts: {}, urls: {} };
  out.stop = async () => {
    await Promise.all(Object.values(out.fronts).map((f) => f.stop()));
    await Promise.all([out.llmock && out.llmock.stop(), out.llama && out.llama.stop()]);
  };
  /** True when any request that reached any front carried `text` in its path or body. */
  out.sawText = (text) => Object.values(out.fronts).some((f) => f.sawText(text));
  /** Every logged request of every front, oldest first. */
  out.log = (filter) => Object.values(out.fronts).flatMap((f) => f.log(filter)).sort((a, b) => a.time.localeCompare(b.time));
  out.clearLogs = () => Object.values(out.fronts).forEach((f) => f.clearLog());
  try {
    // Both start at once: llama-server's model load and llmock's Python start-up overlap.
    await Promise.all([
      wantLlmock &&
        (async () => {
          out.llmock = new Llmock();
          const target = await out.llmock.start(llmockOptions);
          out.fronts.llmock = new Front({ target, name: 'llmock' });
          const base = await out.fronts.llmock.start();
          out.urls.openai = `${base}/v1`;
          out.urls.anthropic = `${base}/anthropic/v1`;
          out.urls.gemini = `${base}/gemini/v1beta`;
          out.urls.llmock = base;
        })(),
      wantLlama &&
        (async () => {
          out.llama = new LlamaServer();
          const target = await out.llama.start(llamaOptions);
          out.fronts.llama = new Front({ target, name: 'llama' });
          const base = await out.fronts.llama.start();
          out.urls.llama = `${base}/v1`;
        })(),
    ]);
  } catch (err) {
    await out.stop();
    throw err;
  }
  return out;
}

module.exports = {
  startLlmServers,
  Front,
  Llmock,
  LlamaServer,
  fingerprint,
  llmPaths,
  requireInstalled,
  PROVIDERS,
  TEST_API_KEY,
  MODEL_ALIAS,
};
