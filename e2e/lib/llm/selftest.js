// Self-test of the LLM test servers and their fronts:
//   node e2e/lib/llm/selftest.js [--llmock-only] [--browser]
// (--browser also runs the calls from a page in Debian's Chromium, on another origin, to prove CORS).
// Starts llmock and llama-server behind fronts, sends one streaming request in each wire format
// with Node's fetch, checks that chunks arrive one by one, that faults (429 + retry-after, a cut
// stream, llama-server's 401) come through the front, and that the request log holds the bodies
// with the keys redacted; then stops everything. Exit code 0 when all checks pass.
'use strict';

const assert = require('node:assert/strict');
const { startLlmServers, fingerprint, TEST_API_KEY } = require('./index');

const ORIGIN = 'http://127.0.0.1:8123';
const CLIENT_KEY = 'sk-selftest-not-a-real-key';
const llmockOnly = process.argv.includes('--llmock-only');
const inBrowser = process.argv.includes('--browser');
const results = [];

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${err.stack || err}`);
  }
}

/** POSTs JSON and reads the body chunk by chunk: { response, text, reads: [{ at, bytes }], error }. */
async function stream(url, headers, body) {
  const t0 = Date.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers },
    body: JSON.stringify(body),
  });
  const reads = [];
  let text = '';
  let error = null;
  const decoder = new TextDecoder();
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads.push({ at: Date.now() - t0, bytes: value.length });
      text += decoder.decode(value, { stream: true });
    }
  } catch (err) {
    error = err;
  }
  return { response, text, reads, error };
}

/** The JSON payloads of an SSE body's `data:` lines (skipping [DONE]). */
function sseData(text) {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
    .map((l) => JSON.parse(l.slice(6)));
}

function assertIncremental(result, minReads = 3) {
  assert.ok(result.reads.length >= minReads, `expected >= ${minReads} separate reads, got ${result.reads.length}`);
  const spread = result.reads[result.reads.length - 1].at - result.reads[0].at;
  assert.ok(spread >= 50, `chunks arrived together (first at ${result.reads[0].at} ms, last at ${result.reads.at(-1).at} ms)`);
}

function assertCors(response) {
  assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);
  assert.match(response.headers.get('access-control-expose-headers') || '', /(^|, )retry-after(,|$)/);
}

/** The same calls from a page on another origin in Debian's Chromium: preflights, streams, retry-after. */
async function browserChecks(llm) {
  const http = require('node:http');
  const { launchBrowser } = require('../browser');
  const page0 = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>llm selftest</title>');
  });
  await new Promise((r) => page0.listen(0, '127.0.0.1', r));
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://127.0.0.1:${page0.address().port}/`);
    const call = (url, headers, body) =>
      page.evaluate(
        async ({ url, headers, body }) => {
          const t0 = performance.now();
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
          const reader = res.body.getReader();
          const reads = [];
          let text = '';
          const dec = new TextDecoder();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            reads.push(performance.now() - t0);
            text += dec.decode(value, { stream: true });
          }
          return { status: res.status, retryAfter: res.headers.get('retry-after'), reads, text };
        },
        { url, headers, body },
      );
    const anthropicHeaders = { 'x-api-key': CLIENT_KEY, 'anthropic-version': '2023-06-01', 'anthropic-dangerous-direct-browser-access': 'true' };
    await check('browser: OpenAI, Anthropic, Gemini streams from another origin', async () => {
      const o = await call(`${llm.urls.openai}/chat/completions`, { authorization: `Bearer ${CLIENT_KEY}` }, {
        model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'browser openai' }],
      });
      assert.equal(o.status, 200);
      assert.ok(o.reads.length >= 3 && o.text.includes('[DONE]'), JSON.stringify(o.reads));
      const a = await call(`${llm.urls.anthropic}/messages`, anthropicHeaders, {
        model: 'claude-sonnet-4-5', max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'browser anthropic' }],
      });
      assert.equal(a.status, 200);
      assert.ok(a.reads.length >= 3 && a.text.includes('message_stop'));
      const g = await call(`${llm.urls.gemini}/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, { 'x-goog-api-key': CLIENT_KEY }, {
        contents: [{ role: 'user', parts: [{ text: 'browser gemini' }] }],
      });
      assert.equal(g.status, 200);
      assert.ok(g.reads.length >= 3 && g.text.includes('STOP'));
      if (llm.urls.llama) {
        const l = await call(`${llm.urls.llama}/messages`, { ...anthropicHeaders, 'x-api-key': TEST_API_KEY }, {
          model: 'smollm2', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'Say hello.' }],
        });
        assert.equal(l.status, 200, l.text);
        assert.ok(l.reads.length >= 3 && l.text.includes('message_stop'));
      }
    });
    await check('browser: a page reads retry-after of a 429', async () => {
      await llm.llmock.fail(429, { provider: 'gemini', retryAfter: 3 });
      const g = await call(`${llm.urls.gemini}/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, { 'x-goog-api-key': CLIENT_KEY }, {
        contents: [{ role: 'user', parts: [{ text: 'browser 429' }] }],
      });
      assert.equal(g.status, 429);
      assert.equal(g.retryAfter, '3');
      assert.equal(JSON.parse(g.text).error.status, 'RESOURCE_EXHAUSTED');
    });
  } finally {
    await browser.close();
    await new Promise((r) => page0.close(r));
  }
}

async function main() {
  const t0 = Date.now();
  const llm = await startLlmServers({ llama: !llmockOnly });
  console.log(`servers up in ${Date.now() - t0} ms: ${JSON.stringify(llm.urls)}`);
  try {
    await check('preflight is answered by the front', async () => {
      const res = await fetch(`${llm.urls.anthropic}/messages`, {
        method: 'OPTIONS',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-api-key,anthropic-version,anthropic-dangerous-direct-browser-access',
        },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
      for (const h of ['x-api-key', 'anthropic-dangerous-direct-browser-access', 'authorization', 'x-goog-api-key']) {
        assert.ok(res.headers.get('access-control-allow-headers').split(', ').includes(h), `allow-headers lacks ${h}`);
      }
      assert.equal(llm.fronts.llmock.log({ preflight: true }).length, 1);
    });

    await check('llmock OpenAI chat stream (usage chunk, [DONE], echo of the prompt)', async () => {
      const r = await stream(`${llm.urls.openai}/chat/completions`, { authorization: `Bearer ${CLIENT_KEY}` }, {
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'openai selftest prompt' }],
      });
      assert.equal(r.response.status, 200);
      assertCors(r.response);
      assertIncremental(r);
      assert.ok(r.text.trimEnd().endsWith('data: [DONE]'));
      const chunks = sseData(r.text);
      const said = chunks.map((c) => (c.choices[0] && c.choices[0].delta.content) || '').join('');
      assert.equal(said, 'Hello! You said: openai selftest prompt');
      assert.ok(chunks.at(-1).usage && chunks.at(-1).usage.total_tokens > 0, 'no usage chunk');
    });

    await check('llmock Anthropic messages stream', async () => {
      const r = await stream(
        `${llm.urls.anthropic}/messages`,
        { 'x-api-key': CLIENT_KEY, 'anthropic-version': '2023-06-01', 'anthropic-dangerous-direct-browser-access': 'true' },
        { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'anthropic selftest prompt' }] },
      );
      assert.equal(r.response.status, 200);
      assertCors(r.response);
      assertIncremental(r);
      const events = sseData(r.text);
      assert.equal(events[0].type, 'message_start');
      assert.equal(events.at(-1).type, 'message_stop');
      const said = events.filter((e) => e.type === 'content_block_delta').map((e) => e.delta.text).join('');
      assert.equal(said, 'Hello! You said: anthropic selftest prompt');
    });

    await check('llmock Gemini streamGenerateContent?alt=sse', async () => {
      const r = await stream(
        `${llm.urls.gemini}/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
        { 'x-goog-api-key': CLIENT_KEY },
        { contents: [{ role: 'user', parts: [{ text: 'gemini selftest prompt' }] }] },
      );
      assert.equal(r.response.status, 200);
      assertCors(r.response);
      assertIncremental(r);
      const chunks = sseData(r.text);
      const said = chunks.map((c) => c.candidates[0].content.parts.map((p) => p.text).join('')).join('');
      assert.equal(said, 'Hello! You said: gemini selftest prompt');
      assert.equal(chunks.at(-1).candidates[0].finishReason, 'STOP');
      assert.ok(chunks.at(-1).usageMetadata.totalTokenCount > 0);
    });

    await check('a programmed 429 keeps retry-after through the front, readable by a page', async () => {
      await llm.llmock.fail(429, { provider: 'anthropic', retryAfter: 2 });
      const r = await stream(`${llm.urls.anthropic}/messages`, { 'x-api-key': CLIENT_KEY, 'anthropic-version': '2023-06-01' }, {
        model: 'claude-sonnet-4-5',
        max_tokens: 16,
        stream: true,
        messages: [{ role: 'user', content: 'rate limited' }],
      });
      assert.equal(r.response.status, 429);
      assertCors(r.response);
      assert.equal(r.response.headers.get('retry-after'), '2');
      assert.equal(r.response.headers.get('retry-after-ms'), '2000');
      assert.deepEqual(JSON.parse(r.text), { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit exceeded.' } });
    });

    await check('a programmed mid-stream disconnect reaches the client as a cut', async () => {
      await llm.llmock.streamFault('disconnect', { provider: 'openai', afterChunks: 2 });
      const r = await stream(`${llm.urls.openai}/chat/completions`, {}, {
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'cut me' }],
      });
      assert.equal(r.response.status, 200);
      assert.ok(r.error, 'the stream ended cleanly instead of failing');
      assert.ok(!r.text.includes('[DONE]'));
    });

    await check('the front log holds bodies, with keys redacted', async () => {
      const [entry] = llm.fronts.llmock.log({ path: '/v1/chat/completions' });
      assert.equal(entry.method, 'POST');
      assert.equal(entry.json.messages[0].content, 'openai selftest prompt');
      assert.equal(entry.headers.authorization, `Bearer ${fingerprint(CLIENT_KEY)}`);
      assert.equal(entry.status, 200);
      assert.ok(entry.complete && entry.response.includes('[DONE]'));
      const [anthropic] = llm.fronts.llmock.log({ path: '/anthropic/v1/messages' });
      assert.equal(anthropic.headers['x-api-key'], fingerprint(CLIENT_KEY));
      const [gemini] = llm.fronts.llmock.log({ path: /^\/gemini\// });
      assert.equal(gemini.json.contents[0].parts[0].text, 'gemini selftest prompt');
      assert.ok(llm.sawText('gemini selftest prompt'));
      assert.ok(!llm.sawText('never sent anywhere'));
      const serialized = JSON.stringify(llm.log({ preflight: null }));
      assert.ok(!serialized.includes(CLIENT_KEY), 'a key appears in clear in the log');
      const viaHttp = await (await fetch(`${llm.fronts.llmock.url}/_front/log`)).json();
      assert.equal(viaHttp.entries.length, llm.fronts.llmock.entries.length);
    });

    if (!llmockOnly) {
      await check('llama-server OpenAI chat stream through the front (real tokens, usage)', async () => {
        const r = await stream(`${llm.urls.llama}/chat/completions`, { authorization: `Bearer ${TEST_API_KEY}` }, {
          model: 'smollm2',
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: 24,
          temperature: 0,
          messages: [{ role: 'user', content: 'Name three colours.' }],
        });
        assert.equal(r.response.status, 200, r.text);
        assertCors(r.response);
        assertIncremental(r, 5);
        assert.ok(r.text.trimEnd().endsWith('data: [DONE]'));
        const chunks = sseData(r.text);
        const said = chunks.map((c) => (c.choices[0] && c.choices[0].delta.content) || '').join('');
        assert.ok(said.length > 0, 'no text');
        const usage = chunks.find((c) => c.usage);
        assert.ok(usage && usage.usage.completion_tokens > 0, 'no usage chunk');
      });

      await check('llama-server Anthropic messages stream through the front', async () => {
        const r = await stream(`${llm.urls.llama}/messages`, { 'x-api-key': TEST_API_KEY, 'anthropic-version': '2023-06-01' }, {
          model: 'smollm2',
          max_tokens: 24,
          stream: true,
          messages: [{ role: 'user', content: 'Name three animals.' }],
        });
        assert.equal(r.response.status, 200, r.text);
        assertCors(r.response);
        assertIncremental(r, 5);
        const events = sseData(r.text);
        assert.equal(events[0].type, 'message_start');
        assert.ok(events.some((e) => e.type === 'content_block_delta' && e.delta.text));
        assert.equal(events.at(-1).type, 'message_stop');
      });

      await check('llama-server refuses a wrong key with 401, CORS headers kept', async () => {
        const r = await stream(`${llm.urls.llama}/chat/completions`, { authorization: 'Bearer wrong-key' }, {
          model: 'smollm2',
          stream: true,
          messages: [{ role: 'user', content: 'hi' }],
        });
        assert.equal(r.response.status, 401);
        assertCors(r.response);
        assert.equal(JSON.parse(r.text).error.type, 'authentication_error');
        assert.equal(llm.fronts.llama.log({ path: '/v1/chat/completions' }).at(-1).headers.authorization, `Bearer ${fingerprint('wrong-key')}`);
      });
    }
    if (inBrowser) await browserChecks(llm);
  } finally {
    const t1 = Date.now();
    await llm.stop();
    console.log(`stopped in ${Date.now() - t1} ms`);
  }
  const failed = results.filter((r) => !r.ok);
  console.log(`${results.length - failed.length}/${results.length} checks passed`);
  process.exitCode = failed.length ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
