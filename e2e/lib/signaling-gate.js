// Holds a user's signaling WebSocket (`/signal`) shut or lets it through, via Playwright's
// context.routeWebSocket. While blocked, every attempt is closed at once (code 1013), so the app
// sees the relay as unreachable and keeps retrying with its backoff; once open, attempts go through.
'use strict';

function isSignal(url) {
  return url.pathname.replace(/\/+$/, '').endsWith('/signal');
}

class SignalingGate {
  constructor(context) {
    this.context = context;
    this.blocked = false;
    this.refused = 0;
    this.passed = 0;
    this.installed = false;
  }

  async install() {
    if (this.installed) return;
    this.installed = true;
    await this.context.routeWebSocket(isSignal, (ws) => {
      if (this.blocked) {
        this.refused += 1;
        ws.close({ code: 1013, reason: 'signaling blocked by the e2e test' }).catch(() => {});
      } else {
        this.passed += 1;
        ws.connectToServer();
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

module.exports = { SignalingGate };
