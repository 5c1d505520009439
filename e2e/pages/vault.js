// Page object: the identity card's vault controls — how the key is stored, the identity backup
// (export to a file, import from one) — and a read of what the vault keeps in IndexedDB.
'use strict';

const path = require('node:path');
const { tid, textOf, attrOf } = require('./dom');
const { eventually } = require('../lib/wait');
const { ARTIFACTS_DIR } = require('../lib/paths');

/** PBKDF2 with 600,000 rounds takes a few seconds on a slow CPU, twice for an import. */
const KDF_TIMEOUT_MS = 60_000;

class VaultCard {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  async openBackup() {
    const details = this.page.locator(tid('identity-backup'));
    await details.waitFor();
    if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  }

  /** The card's sentence on how the key is stored ("Tab slot 0. Your key is stored encrypted …"). */
  async atRest() {
    return textOf(this.page.locator(tid('identity-at-rest')), `${this.name}'s key storage sentence`);
  }

  /** Exports the identity under `passphrase`; returns the path of the downloaded backup file. */
  async exportIdentity(passphrase) {
    await this.openBackup();
    await this.page.locator(tid('identity-export-passphrase')).fill(passphrase);
    await this.page.locator(tid('identity-export-repeat')).fill(passphrase);
    const [download] = await Promise.all([
      this.page.waitForEvent('download', { timeout: KDF_TIMEOUT_MS }),
      this.page.locator(tid('identity-export')).click(),
    ]);
    const file = path.join(ARTIFACTS_DIR, 'downloads', `${this.name}-${download.suggestedFilename()}`);
    await download.saveAs(file);
    return file;
  }

  /**
   * Imports the backup at `file` with `passphrase`, confirms the replacement and waits for the
   * reloaded page to show the file's did. Returns that did. A refusal throws with the page's sentence.
   */
  async importIdentity(file, passphrase) {
    await this.openBackup();
    await this.page.locator(tid('identity-import-file')).setInputFiles(file);
    await this.page.locator(tid('identity-import-passphrase')).fill(passphrase);
    await this.page.locator(tid('identity-import')).click();
    const did = await eventually(`${this.name}'s import to be checked`, async () => {
      const note = this.page.locator(tid('identity-import-note'));
      if ((await attrOf(note, 'data-ok', `${this.name}'s import note`)) === 'false') {
        throw Object.assign(new Error(await textOf(note, 'import note')), { fatal: true });
      }
      return textOf(this.page.locator(tid('identity-import-did')), `${this.name}'s import confirmation`);
    }, { timeout: KDF_TIMEOUT_MS });
    await Promise.all([this.page.waitForEvent('load'), this.page.locator(tid('identity-import-replace')).click()]);
    return did;
  }

  /** The import's refusal sentence after choosing `file` and typing `passphrase` (nothing is replaced). */
  async importRefusal(file, passphrase) {
    await this.openBackup();
    await this.page.locator(tid('identity-import-file')).setInputFiles(file);
    await this.page.locator(tid('identity-import-passphrase')).fill(passphrase);
    await this.page.locator(tid('identity-import')).click();
    return eventually(`${this.name}'s import to be refused`, async () => {
      const note = this.page.locator(tid('identity-import-note'));
      if ((await attrOf(note, 'data-ok', `${this.name}'s import note`)) !== 'false') throw new Error('not refused yet');
      return textOf(note, 'import note');
    }, { timeout: KDF_TIMEOUT_MS });
  }

  /**
   * What this origin's IndexedDB holds that could be a seed: every vault record (`name`, hex `iv`
   * and `ciphertext`) and every value a tab slot's database keeps under `identity-seed`.
   */
  async storedSeeds() {
    return this.page.evaluate(async () => {
      const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      const open = (name) =>
        new Promise((resolve, reject) => {
          const request = indexedDB.open(name);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      const all = (db, store) =>
        new Promise((resolve, reject) => {
          if (!db.objectStoreNames.contains(store)) return resolve([]);
          const tx = db.transaction(store);
          const keys = tx.objectStore(store).getAllKeys();
          const values = tx.objectStore(store).getAll();
          tx.oncomplete = () => resolve(keys.result.map((k, i) => [k, values.result[i]]));
          tx.onerror = () => reject(tx.error);
        });
      const names = (await indexedDB.databases()).map((d) => d.name);
      const vault = [];
      const clear = [];
      for (const name of names) {
        const db = await open(name);
        if (name === 'amorph-vault') {
          for (const [key, value] of await all(db, 'vault')) {
            if (String(key).startsWith('secret/identity-seed/')) {
              vault.push({ name: key, iv: hex(value.iv), ciphertext: hex(value.ciphertext) });
            }
          }
        } else if (name.startsWith('amorph-slot-')) {
          for (const [key, value] of await all(db, 'kv')) {
            if (key === 'identity-seed') clear.push({ db: name, bytes: hex(value) });
          }
        }
        db.close();
      }
      return { vault, clear };
    });
  }

  /**
   * Whether `secret` (as UTF-8 bytes) appears anywhere this origin keeps data: every value of every
   * IndexedDB store (strings, byte arrays and the fields of objects, read as bytes) and localStorage.
   */
  async holdsInTheClear(secret) {
    return this.page.evaluate(async (needle) => {
      const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      const wanted = hex(new TextEncoder().encode(needle));
      const seen = [];
      const walk = (value, depth) => {
        if (value == null || depth > 8) return;
        if (typeof value === 'string') seen.push(hex(new TextEncoder().encode(value)));
        else if (value instanceof ArrayBuffer) seen.push(hex(new Uint8Array(value)));
        else if (ArrayBuffer.isView(value)) seen.push(hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)));
        else if (typeof value === 'object') for (const v of Object.values(value)) walk(v, depth + 1);
      };
      for (const { name } of await indexedDB.databases()) {
        const db = await new Promise((resolve, reject) => {
          const request = indexedDB.open(name);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        for (const store of db.objectStoreNames) {
          const values = await new Promise((resolve, reject) => {
            const request = db.transaction(store).objectStore(store).getAll();
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          });
          walk(values, 0);
        }
        db.close();
      }
      for (let i = 0; i < localStorage.length; i++) walk(localStorage.getItem(localStorage.key(i)), 0);
      // A match must start on a byte boundary of the hex text.
      const holds = (bytes) => {
        for (let at = bytes.indexOf(wanted); at !== -1; at = bytes.indexOf(wanted, at + 1)) if (at % 2 === 0) return true;
        return false;
      };
      return seen.some(holds);
    }, secret);
  }
}

module.exports = { VaultCard };
