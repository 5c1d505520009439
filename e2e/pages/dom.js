// Non-waiting reads of the DOM for page objects: each returns what is there now (or throws
// "not shown"), so `eventually` can poll UI state without Playwright's per-call auto-wait stacking up.
// The only place besides the page objects that builds selectors; tests never import it.
'use strict';

/** CSS selector for a `data-testid`. */
function tid(id) {
  return `[data-testid="${id}"]`;
}

/** Trimmed text of every element the locator matches (possibly none). */
async function texts(locator) {
  return locator.evaluateAll((els) => els.map((e) => (e.textContent || '').trim()));
}

/** Attribute `name` of every element the locator matches (null where absent). */
async function attrs(locator, name) {
  return locator.evaluateAll((els, n) => els.map((e) => e.getAttribute(n)), name);
}

/** Exactly one value, or an error that names what was expected. */
function single(values, what) {
  if (values.length === 0) throw new Error(`${what} is not shown`);
  if (values.length > 1) throw new Error(`${what} is shown ${values.length} times, expected once`);
  return values[0];
}

async function textOf(locator, what) {
  return single(await texts(locator), what);
}

async function attrOf(locator, name, what) {
  return single(await attrs(locator, name), `${what} [${name}]`);
}

/** Parses a number shown as text; throws (so polling retries) if it is not one yet. */
function number(text, what) {
  const n = Number(String(text).trim());
  if (String(text).trim() === '' || !Number.isFinite(n)) throw new Error(`${what} shows "${text}", not a number`);
  return n;
}

module.exports = { tid, texts, attrs, single, textOf, attrOf, number };
