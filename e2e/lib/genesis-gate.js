// Holds a user's `GET /genesis` unanswered (the request fails as if the relay were down) or lets
// it through, via Playwright's context.route. Lets a scenario show a new tab that cannot learn its
// swarm yet; the page itself and `/signal` are not affected.
'use strict';

function isGenesis(url) {
  return url.pathname.replace(/\/+$/, '').endsWith('/genesis');
}

class GenesisGate {
  constructor(context) {
    this.context = context;
    this.blocked = false;
    this.refused = 0;
    this.installed = false;
  }

  async install() {
    if (this.installed) return;
    this.installed = true;
    await this.context.route(isGenesis, (route) => {
      if (this.blocked) {
        this.refused += 1;
        route.abort('connectionrefused').catch(() => {});
      } else {
        route.continue().catch(() => {});
      }
    });
  }

  async block() {
    this.blocked = true;
    await this.install();
  }

  async unblock() {
    this.blocked = false;
    await this.install();
  }
}

module.exports = { GenesisGate };
