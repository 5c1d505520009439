// Page object: the mesh card — this user's neighbours (active view), contacts in reserve (passive
// view), the links its neighbours hold, round-trip times, and what the mesh refused.
'use strict';

const { tid, attrs, texts, textOf, number } = require('./dom');

class MeshPanel {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  /** Full dids of the neighbours drawn on the inner ring, sorted. */
  async neighbors() {
    return (await attrs(this.page.locator(`${tid('mesh-node')}[data-role="active"]`), 'data-did')).sort();
  }

  /** Full dids of every peer drawn (neighbours, reserve, and peers linked with a neighbour). */
  async drawnPeers() {
    return (await attrs(this.page.locator(`${tid('mesh-node')}:not([data-role="me"])`), 'data-did')).sort();
  }

  /** Round-trip labels of this user's own links, e.g. ["3 ms", "5 ms"]. */
  async roundTrips() {
    return texts(this.page.locator(`${tid('mesh-edge')}[data-own="true"] text`));
  }

  async activeCount() {
    return number(await textOf(this.page.locator(tid('mesh-active-count')), `${this.name}'s neighbour count`), 'neighbours');
  }

  async refusals() {
    return number(await textOf(this.page.locator(tid('mesh-refusals')), `${this.name}'s mesh refusals`), 'refusals');
  }
}

module.exports = { MeshPanel };
