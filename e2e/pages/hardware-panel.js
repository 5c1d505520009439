// Page object: the hardware panel — what the probe found and the inference worker's state.
'use strict';

const { tid, textOf, number } = require('./dom');

class HardwarePanel {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  async cores() {
    const what = `${this.name}'s hw-cores`;
    return number(await textOf(this.page.locator(tid('hw-cores')), what), what);
  }

  async memory() {
    return textOf(this.page.locator(tid('hw-memory')), `${this.name}'s hw-memory`);
  }

  /** `yes` | `no`. */
  async webgpu() {
    return textOf(this.page.locator(tid('hw-webgpu')), `${this.name}'s hw-webgpu`);
  }

  async adapter() {
    return textOf(this.page.locator(tid('hw-adapter')), `${this.name}'s hw-adapter`);
  }

  /** `starting` | `ready` | `failed`. */
  async workerStatus() {
    return textOf(this.page.locator(tid('worker-status')), `${this.name}'s worker-status`);
  }
}

module.exports = { HardwarePanel };
