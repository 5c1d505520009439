// Waiting on UI state: retry an assertion until it holds or a generous deadline passes.
// Owns no selectors and never sleeps for correctness: every wait ends as soon as the state is there.
'use strict';

/** Default deadline for UI state that needs the mesh (WebRTC, gossip, sync). */
const UI_TIMEOUT_MS = 30_000;
/** Deadline for anything that waits on the relay reconnect backoff (1 s → 5 s) or a page reload. */
const RECONNECT_TIMEOUT_MS = 60_000;

/**
 * Runs `check` (sync or async) until it returns without throwing; returns its value.
 * On timeout throws the last failure, prefixed with `what`. An error with `fatal: true` stops at once.
 */
async function eventually(what, check, { timeout = UI_TIMEOUT_MS, interval = 100 } = {}) {
  const started = Date.now();
  let lastError;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (err && err.fatal) throw err; // a state that cannot turn good (e.g. worker "failed")
      lastError = err;
    }
    if (Date.now() - started > timeout) {
      throw new Error(`timed out after ${timeout} ms waiting for: ${what}\n  last failure: ${lastError && lastError.message}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

module.exports = { eventually, UI_TIMEOUT_MS, RECONNECT_TIMEOUT_MS };
