// Where the suite finds the things it drives: the relay binary and the built app.
// Owns only path resolution from the environment; never builds anything.
'use strict';

const os = require('node:os');
const path = require('node:path');

const E2E_DIR = path.resolve(__dirname, '..');
const REPO_DIR = path.resolve(E2E_DIR, '..');
const ARTIFACTS_DIR = path.join(E2E_DIR, 'artifacts');

/** `AMORPH_RELAY_BIN`, else `$CARGO_TARGET_DIR/relay/amorph-relay` (the `relay` profile), else the shared target dir. */
function relayBinary() {
  if (process.env.AMORPH_RELAY_BIN) return path.resolve(process.env.AMORPH_RELAY_BIN);
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(REPO_DIR, process.env.CARGO_TARGET_DIR)
    : path.join(os.homedir(), '.cache', 'amorph', 'target');
  return path.join(targetDir, 'relay', 'amorph-relay');
}

/** `AMORPH_DIST`, else `<repo>/dist` (what `trunk build --release` writes). */
function appDir() {
  return process.env.AMORPH_DIST ? path.resolve(process.env.AMORPH_DIST) : path.join(REPO_DIR, 'dist');
}

module.exports = { E2E_DIR, REPO_DIR, ARTIFACTS_DIR, relayBinary, appDir };
