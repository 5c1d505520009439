// Where the LLM servers that scripts/llm-servers.sh installed live: asks the script itself
// (`--print-env`, instant, installs nothing), so the cache layout has one source of truth.
// Each path can be overridden: AMORPH_LLMOCK_BIN, AMORPH_LLAMA_SERVER_BIN, AMORPH_SMOLLM2_GGUF.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { REPO_DIR } = require('../paths');

const SCRIPT = path.join(REPO_DIR, 'scripts', 'llm-servers.sh');
let cached = null;

function llmPaths() {
  if (!cached) {
    const out = execFileSync('bash', [SCRIPT, '--print-env'], { cwd: REPO_DIR, encoding: 'utf8' });
    const fromScript = Object.fromEntries(
      out
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const pick = (name) => path.resolve(process.env[name] || fromScript[name]);
    cached = {
      llmock: pick('AMORPH_LLMOCK_BIN'),
      llamaServer: pick('AMORPH_LLAMA_SERVER_BIN'),
      gguf: pick('AMORPH_SMOLLM2_GGUF'),
    };
  }
  return cached;
}

/** Throws, naming the command that installs it, when one of `which` ('llmock', 'llamaServer', 'gguf') is missing. */
function requireInstalled(...which) {
  const paths = llmPaths();
  const missing = which.filter((k) => !fs.existsSync(paths[k])).map((k) => `${k}: ${paths[k]}`);
  if (missing.length) {
    throw new Error(`LLM test servers not installed (run scripts/llm-servers.sh):\n  - ${missing.join('\n  - ')}`);
  }
  return paths;
}

module.exports = { llmPaths, requireInstalled };
