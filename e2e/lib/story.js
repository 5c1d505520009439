// Small shared vocabulary for scenarios: unique task titles, choosing a domain, comparing boards.
// Owns no selectors (those live in pages/).
'use strict';

const assert = require('node:assert/strict');
const { eventually } = require('./wait');

const RUN = Date.now().toString(36);
let counter = 0;

/** A task title unique to this run, so boards from other runs or relays never confuse a test. */
function uniqueTitle(what) {
  counter += 1;
  return `${what} #${RUN}-${counter}`;
}

/** A domain the post form accepts: `preferred` for free text, else a matching or the first option. */
async function chooseDomain(peer, preferred = 'translation') {
  const options = await peer.postForm.domainOptions();
  if (!options) return preferred;
  const usable = options.filter((o) => o);
  if (!usable.length) throw new Error(`${peer.name}'s domain select offers no option`);
  return usable.includes(preferred) ? preferred : usable[0];
}

/** `{id, status}` pairs of a board snapshot, for comparing what two users see. */
function idsAndStatuses(snapshot) {
  return snapshot.map(({ id, status }) => ({ id, status }));
}

/** Waits until every peer's board shows the same task ids with the same statuses as `reference`. */
async function waitForSameBoard(reference, peers, opts) {
  const want = idsAndStatuses(await reference.board.snapshot());
  for (const p of peers) {
    await eventually(
      `${p.name}'s board to match ${reference.name}'s (${want.length} tasks)`,
      async () => assert.deepEqual(idsAndStatuses(await p.board.snapshot()), want),
      opts,
    );
  }
  return want;
}

/** Waits until all peers list each other (full mesh) by full did. */
async function waitForFullMesh(peers, opts) {
  for (const p of peers) await p.waitForPeers(peers.filter((o) => o !== p), opts);
}

module.exports = { uniqueTitle, chooseDomain, idsAndStatuses, waitForSameBoard, waitForFullMesh };
