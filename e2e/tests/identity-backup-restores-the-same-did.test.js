// User story: a user exports their identity to a passphrase-encrypted backup file, then restores it
// in a fresh browser: the new tab becomes the same did:key. The seed is never stored in the clear:
// the vault's record is not the seed, and the slot's database keeps no `identity-seed`. The file is
// checked with Node's own crypto (PBKDF2-SHA-256, AES-256-GCM), not with the app's code.
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { scenario } = require('../lib/swarm');
const { eventually } = require('../lib/wait');
const { VaultCard } = require('../pages/vault');

const PASSPHRASE = 'correct horse battery staple';

/** The seed inside a backup file, opened as the file's format says. */
function openBackup(file, passphrase) {
  const backup = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(backup.format, 'amorph-identity-backup/1');
  assert.deepEqual([backup.kdf.name, backup.kdf.iterations], ['pbkdf2-sha256', 600000]);
  const key = crypto.pbkdf2Sync(passphrase, Buffer.from(backup.kdf.salt, 'hex'), backup.kdf.iterations, 32, 'sha256');
  const sealed = Buffer.from(backup.ciphertext, 'hex');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(backup.iv, 'hex'));
  decipher.setAAD(Buffer.from(`${backup.format} ${backup.did}`));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  const seed = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
  return { did: backup.did, seed: seed.toString('hex') };
}

/** The page's IndexedDB holds the seed only sealed. */
async function assertSeedSealed(vault, seedHex, who) {
  const stored = await vault.storedSeeds();
  assert.deepEqual(stored.clear, [], `${who}'s slot database still keeps a clear identity-seed`);
  assert.ok(stored.vault.length >= 1, `${who}'s vault holds no sealed identity`);
  for (const record of stored.vault) {
    assert.equal(record.iv.length, 24, `${record.name}: the iv is not 12 bytes`);
    assert.ok(!record.ciphertext.includes(seedHex), `${record.name} holds the seed in the clear`);
  }
}

scenario('identity backup restores the same did', (swarm) => {
  let a, b, aVault, bVault, aDid, file, seed;

  swarm.step('A joins: the card says the key is encrypted, and nothing in IndexedDB is the clear seed', async () => {
    [a] = await swarm.join('A');
    aVault = new VaultCard(a.page, a.name);
    aDid = await a.did();
    assert.match(await eventually("A's key storage sentence", () => aVault.atRest()), /stored encrypted/);
  });

  swarm.step('A exports a backup file: it opens with the passphrase and holds A’s did', async () => {
    file = await aVault.exportIdentity(PASSPHRASE);
    const opened = openBackup(file, PASSPHRASE);
    assert.equal(opened.did, aDid, 'the file names another did');
    seed = opened.seed;
    assert.ok(!fs.readFileSync(file, 'utf8').includes(seed), 'the backup file holds the seed in the clear');
    assert.throws(() => openBackup(file, 'another passphrase'), 'the file opens with a wrong passphrase');
    await assertSeedSealed(aVault, seed, 'A');
  });

  swarm.step('B, in a fresh browser, is someone else; a wrong passphrase is refused in one sentence', async () => {
    b = await swarm.joinWith('B');
    bVault = new VaultCard(b.page, b.name);
    assert.notEqual(await b.did(), aDid);
    assert.match(await bVault.importRefusal(file, 'not the passphrase'), /^wrong passphrase/);
    assert.notEqual(await b.status.myDid(), aDid, 'a refused import changed the identity');
  });

  swarm.step('B imports the file with its passphrase: after the reload B is A’s did, sealed', async () => {
    assert.equal(await bVault.importIdentity(file, PASSPHRASE), aDid, 'the confirmation names another did');
    await eventually("B's did after the import", async () => assert.equal(await b.status.myDid(), aDid));
    assert.match(await eventually("B's key storage sentence", () => bVault.atRest()), /stored encrypted/);
    await assertSeedSealed(bVault, seed, 'B');
  });

  swarm.step('B reloads: still A’s did, from the vault', async () => {
    await b.reload();
    await eventually("B's did after a reload", async () => assert.equal(await b.status.myDid(), aDid));
  });
});
