// Page object: the invite card — the link (and its QR code) this user hands out, and what became of
// the invite the user's page was opened with.
'use strict';

const { tid, texts, attrs, single } = require('./dom');

class InviteCard {
  constructor(page, name) {
    this.page = page;
    this.name = name;
  }

  /** The invite link shown (the input's value). */
  async link() {
    const values = await this.page.locator(tid('invite-link')).evaluateAll((els) => els.map((e) => e.value));
    return single(values, `${this.name}'s invite link`);
  }

  /**
   * What a phone scanning the QR code would read: the SVG drawn onto a canvas in the page and
   * decoded with jsQR (from e2e/node_modules). Null when it does not decode.
   */
  async scanQrCode() {
    await this.page.addScriptTag({ path: require.resolve('jsqr/dist/jsQR.js') });
    const svgs = await this.page.locator(`${tid('invite-qr')} svg`).evaluateAll((els) => els.map((e) => e.outerHTML));
    const svg = single(svgs, `${this.name}'s invite QR code`);
    return this.page.evaluate(async (markup) => {
      const url = URL.createObjectURL(new Blob([markup], { type: 'image/svg+xml' }));
      try {
        const image = new Image();
        image.src = url;
        await image.decode();
        const size = Math.max(image.naturalWidth, image.naturalHeight);
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = size;
        const ctx = canvas.getContext('2d');
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, size, size);
        ctx.drawImage(image, 0, 0, size, size);
        const pixels = ctx.getImageData(0, 0, size, size);
        const code = globalThis.jsQR(pixels.data, size, size);
        return code ? code.data : null;
      } finally {
        URL.revokeObjectURL(url);
      }
    }, svg);
  }

  /** The did:key of the inviter this page arrived through (throws when no accepted invite is shown). */
  async arrivedFrom() {
    return single(await attrs(this.page.locator(tid('invite-arrival')), 'data-from'), `${this.name}'s invite arrival`);
  }

  /** Why the invite this page was opened with could not be used (throws when none is shown). */
  async arrivalProblem() {
    return single(await texts(this.page.locator(tid('invite-arrival-problem'))), `${this.name}'s invite problem`);
  }
}

module.exports = { InviteCard };
