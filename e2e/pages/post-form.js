// Page object: the "post a task" form (title, description, domain, payment) and its terms
// (karma gate, verification).
'use strict';

const { tid, texts } = require('./dom');

class PostForm {
  constructor(page, name) {
    this.page = page;
    this.name = name;
    this.title = page.locator(tid('task-title'));
    this.description = page.locator(tid('task-description'));
    this.domain = page.locator(tid('task-domain'));
    this.reward = page.locator(tid('task-reward'));
    this.submit = page.locator(tid('post-task'));
    this.error = page.locator(tid('post-error'));
    this.terms = page.locator(tid('task-terms'));
  }

  /** Opens the "terms" section if it is folded away. */
  async openTerms() {
    if (!(await this.terms.evaluate((summary) => summary.parentElement.open))) await this.terms.click();
  }

  /**
   * Fills the form and clicks "post". The domain field may be a free-text input or a <select>;
   * for a select, `domain` must be one of its option values or labels.
   * `gate` (`{ dimension, min }`, e.g. `{ dimension: 'accuracy.audit', min: '0.5' }`) sets a karma
   * gate; `verification` is `requester` (default), `jury` or `automatic`.
   * Returns the values as the form held them when posted.
   */
  async post({ title, description = '', domain = 'general', reward = 1, gate = null, verification = null }) {
    if (gate || verification) {
      await this.openTerms();
      await this.page.locator(tid('task-gate-dimension')).fill(gate ? gate.dimension : '');
      await this.page.locator(tid('task-gate-min')).fill(gate ? String(gate.min) : '');
      if (verification) await this.page.locator(tid('task-verification')).selectOption(verification);
    }
    await this.title.fill(title);
    await this.description.fill(description);
    const tag = await this.domain.evaluate((el) => el.tagName);
    if (tag === 'SELECT') {
      const options = await this.domain.evaluate((el) => [...el.options].map((o) => [o.value, o.label]));
      const hit = options.find(([value, label]) => value === domain || label === domain);
      if (!hit) throw new Error(`domain "${domain}" is not offered by ${this.name}'s form; options: ${JSON.stringify(options)}`);
      await this.domain.selectOption(hit[0]);
    } else {
      await this.domain.fill(domain);
    }
    await this.reward.fill(String(reward));
    const posted = {
      title: await this.title.inputValue(),
      description: await this.description.inputValue(),
      domain: await this.domain.inputValue(),
      reward: await this.reward.inputValue(),
    };
    await this.submit.click();
    if (gate) {
      // The next task from this form is ungated unless it says otherwise.
      await this.page.locator(tid('task-gate-dimension')).fill('');
      await this.page.locator(tid('task-gate-min')).fill('');
    }
    return posted;
  }

  /** Domains offered, if the domain field is a <select>; null for free text. */
  async domainOptions() {
    return this.domain.evaluate((el) => (el.tagName === 'SELECT' ? [...el.options].map((o) => o.value) : null));
  }

  /** Text of the form's error line ('' when there is none). */
  async errorText() {
    return (await texts(this.error)).join(' ');
  }

  /**
   * Benchmark support: records, in the page, `Date.now()` of every click on "post" together with
   * the title being posted, in `window.__amorphPostClicks` (read back with `postClicks()`).
   */
  async recordClicks() {
    await this.page.evaluate(
      ({ button, title }) => {
        window.__amorphPostClicks = [];
        document.addEventListener(
          'click',
          (e) => {
            if (!(e.target instanceof Element) || !e.target.closest(button)) return;
            const input = document.querySelector(title);
            window.__amorphPostClicks.push({ t: Date.now(), title: input ? input.value : null });
          },
          true,
        );
      },
      { button: tid('post-task'), title: tid('task-title') },
    );
  }

  async postClicks() {
    return this.page.evaluate(() => window.__amorphPostClicks || []);
  }
}

module.exports = { PostForm };
