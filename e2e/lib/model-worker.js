// Drives the app's own inference worker (`/worker-loader.js`) from inside a page at the relay's
// origin, through its JSON protocol (worker/src/protocol.rs): start, load a model variant on a
// backend, embed texts in batches. Used where a test or bench needs the model itself, not the UI.
'use strict';

/**
 * Loads `variant` ('int8' | 'f32') on `backend` ('cpu' | 'webgpu' | 'auto') in a fresh worker,
 * embeds `texts` in batches of `batch` and stops the worker. Returns { report, vectors, batchMs }
 * or throws with the worker's message.
 */
async function embedInWorker(page, { variant, backend, texts, batch = 16, timeoutMs = 300_000 }) {
  return page.evaluate(
    async ({ variant, backend, texts, batch, timeoutMs }) => {
      const worker = new Worker('/worker-loader.js');
      const inbox = [];
      let wake = () => {};
      worker.onmessage = (event) => {
        inbox.push(JSON.parse(event.data));
        wake();
      };
      const deadline = Date.now() + timeoutMs;
      const next = async (accept) => {
        for (;;) {
          const index = inbox.findIndex(accept);
          if (index >= 0) return inbox.splice(index, 1)[0];
          if (Date.now() > deadline) throw new Error('the worker did not answer in time');
          await new Promise((resolve) => {
            wake = resolve;
            setTimeout(resolve, 1000);
          });
        }
      };
      try {
        await next((m) => m.type === 'ready');
        worker.postMessage(JSON.stringify({ type: 'load_model', variant, backend }));
        const loaded = await next((m) => m.type === 'model_ready' || m.type === 'model_failed');
        if (loaded.type === 'model_failed') throw new Error(`the model did not load: ${loaded.message}`);
        const vectors = [];
        const batchMs = [];
        for (let i = 0; i < texts.length; i += batch) {
          const id = i + 1;
          worker.postMessage(JSON.stringify({ type: 'embed', id, texts: texts.slice(i, i + batch) }));
          const answer = await next((m) => m.id === id);
          if (answer.type !== 'embeddings') throw new Error(`embedding failed: ${answer.message}`);
          vectors.push(...answer.vectors);
          batchMs.push(answer.ms);
        }
        const { type, ...report } = loaded;
        return { report, vectors, batchMs };
      } finally {
        worker.terminate();
      }
    },
    { variant, backend, texts, batch, timeoutMs },
  );
}

function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

module.exports = { embedInWorker, cosine };
