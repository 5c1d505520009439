// Page object (white-box probe): what this user's tab has actually written to IndexedDB.
// The app keeps its event store as a yrs snapshot under key `event-store` in object store `kv` of
// database `amorph-slot-N`, with one map entry per event keyed by the event id (64 hex chars),
// and saves it on a short debounce. The UI shows the in-memory store (`data-events`), so a test
// that reloads must first wait until the save caught up — this probe is how. Read-only.
'use strict';

const { eventually, UI_TIMEOUT_MS } = require('../lib/wait');

class LocalDatabase {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  /** Ids of the events in the saved snapshot of every `amorph-slot-*` database of this context. */
  async savedEventIds() {
    const found = await this.page.evaluate(async () => {
      const names = (await indexedDB.databases()).map((d) => d.name).filter((n) => /^amorph-slot-\d+$/.test(n));
      const out = {};
      for (const name of names) {
        const db = await new Promise((resolve, reject) => {
          const req = indexedDB.open(name);
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        try {
          if (!db.objectStoreNames.contains('kv')) continue;
          const value = await new Promise((resolve, reject) => {
            const req = db.transaction('kv', 'readonly').objectStore('kv').get('event-store');
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          });
          if (value == null) {
            out[name] = [];
            continue;
          }
          const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
          let text = '';
          for (let i = 0; i < bytes.length; i += 1) text += String.fromCharCode(bytes[i]);
          out[name] = [...new Set(text.match(/[0-9a-f]{64}/g) || [])];
        } finally {
          db.close();
        }
      }
      return out;
    });
    const dbs = Object.keys(found);
    if (dbs.length === 0) throw new Error(`${this.name} has no amorph-slot-* IndexedDB database yet`);
    return [...new Set(dbs.flatMap((d) => found[d]))].sort();
  }

  /** Waits until the saved snapshot holds at least `count` events. */
  async waitUntilSaved(count, { timeout = UI_TIMEOUT_MS } = {}) {
    return eventually(
      `${this.name}'s IndexedDB snapshot to hold ${count} events`,
      async () => {
        const saved = await this.savedEventIds();
        if (saved.length < count) throw new Error(`it holds ${saved.length}`);
        return saved;
      },
      { timeout },
    );
  }
}

module.exports = { LocalDatabase };
