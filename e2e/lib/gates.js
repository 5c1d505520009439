// Gates that hold one of a user's connections to the relay shut, or let it through, via Playwright's
// context routes; the page itself is never affected.
// - `GenesisGate`: `GET /genesis` fails as if the relay were down, so a scenario can show a new tab
//   that cannot learn its swarm yet.
// - `SignalingGate`: every `/signal` WebSocket attempt is closed at once (code 1013), so the app
//   sees the relay as unreachable and keeps retrying with its backoff.
'use strict';

class Gate {
  constructor(context, endpoint) {
    this.context = context;
    this.endpoint = endpoint;
    this.blocked = false;
    this.refused = 0;
    this.passed = 0;
    this.installed = false;
  }

  matches(url) {
    return url.pathname.replace(/\/+$/, '').endsWith(`/${this.endpoint}`);
  }

  async install() {
    if (this.installed) return;
    this.installed = true;
    await this.route((url) => this.matches(url));
  }

  /** Counts the attempt and says whether it may pass. */
  admit() {
    if (this.blocked) this.refused += 1;
    else this.passed += 1;
    return !this.blocked;
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

class GenesisGate extends Gate {
  constructor(context) {
    super(context, 'genesis');
  }

  route(matches) {
    return this.context.route(matches, (route) =>
      (this.admit() ? route.continue() : route.abort('connectionrefused')).catch(() => {}),
    );
  }
}

class SignalingGate extends Gate {
  constructor(context) {
    super(context, 'signal');
  }

  route(matches) {
    return this.context.routeWebSocket(matches, (ws) => {
      if (this.admit()) ws.connectToServer();
      else ws.close({ code: 1013, reason: 'signaling blocked by the e2e test' }).catch(() => {});
    });
  }
}

module.exports = { GenesisGate, SignalingGate };
