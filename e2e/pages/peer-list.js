// Page object: the list of peers this user is connected to.
'use strict';

const { tid, attrs } = require('./dom');
const { eventually, UI_TIMEOUT_MS } = require('../lib/wait');

class PeerList {
  constructor(page, name) {
    this.page = page;
    this.name = name;
    this.items = page.locator(`${tid('peer-list')} ${tid('peer-item')}`);
  }

  /** Full dids of the listed peers, sorted. */
  async dids() {
    return (await attrs(this.items, 'data-did')).sort();
  }

  /** Waits until every one of `dids` is listed; returns the whole list. */
  async waitForPeers(dids, { timeout = UI_TIMEOUT_MS } = {}) {
    return eventually(
      `${this.name} to list peers ${dids.map(short).join(', ')}`,
      async () => {
        const listed = await this.dids();
        const missing = dids.filter((d) => !listed.includes(d));
        if (missing.length) throw new Error(`missing ${missing.map(short).join(', ')}; listed: [${listed.map(short).join(', ')}]`);
        return listed;
      },
      { timeout },
    );
  }
}

function short(did) {
  return did ? `…${did.slice(-8)}` : String(did);
}

module.exports = { PeerList, short };
