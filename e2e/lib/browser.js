// Debian's Chromium through playwright-core: one browser per test file, one fresh context per
// simulated user (its own IndexedDB, its own identity). Owns console capture for those pages.
// Never downloads a browser and never navigates anywhere but the relay on 127.0.0.1.
'use strict';

const { chromium } = require('playwright-core');

const CHROMIUM = process.env.AMORPH_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];
const CONSOLE_LINES_KEPT = 1000;

async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** The app URL with the test hooks switched on (`window.amorphTest`). */
function appUrl(relayUrl) {
  const url = new URL(relayUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`refusing to open ${relayUrl}: tests only talk to 127.0.0.1`);
  url.search = '?test-hooks';
  return url.toString();
}

/**
 * Opens one simulated user: a fresh context and one page at `<relayUrl>?test-hooks`.
 * Console errors and uncaught page errors are collected on the returned object.
 * `beforeOpen(context)` runs before the first navigation (e.g. to install a gate).
 */
async function openUser(browser, relayUrl, name, { beforeOpen, fragment, query } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (beforeOpen) await beforeOpen(context);
  const page = await context.newPage();
  const base = query ? `${appUrl(relayUrl)}&${query}` : appUrl(relayUrl);
  const url = fragment ? `${base}#${fragment}` : base;
  const user = { name, context, page, url, console: [], errors: [] };
  const stamp = () => new Date().toISOString();
  page.on('console', (msg) => {
    const line = `${stamp()} [${msg.type()}] ${msg.text()}`;
    user.console.push(line);
    if (user.console.length > CONSOLE_LINES_KEPT) user.console.shift();
    if (msg.type() === 'error') user.errors.push(line);
  });
  page.on('pageerror', (err) => {
    const line = `${stamp()} [pageerror] ${err.stack || err.message}`;
    user.console.push(line);
    user.errors.push(line);
  });
  page.on('crash', () => user.errors.push(`${stamp()} [crash] page crashed`));
  await page.goto(user.url, { waitUntil: 'load', timeout: 60_000 });
  return user;
}

/** Opens N users one after another, named A, B, C… unless names are given. */
async function openUsers(browser, relayUrl, namesOrCount) {
  const names =
    typeof namesOrCount === 'number'
      ? Array.from({ length: namesOrCount }, (_, i) => String.fromCharCode(65 + i))
      : namesOrCount;
  const users = [];
  for (const name of names) users.push(await openUser(browser, relayUrl, name));
  return users;
}

module.exports = { launchBrowser, openUser, openUsers, appUrl, CHROMIUM, CHROMIUM_ARGS };
