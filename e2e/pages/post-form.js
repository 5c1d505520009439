// Page object: the "post a task" form (title, description, domain, reward).
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
  }

  /**
   * Fills the form and clicks "post". The domain field may be a free-text input or a <select>;
   * for a select, `domain` must be one of its option values or labels.
   * Returns the values as the form held them when posted.
   */
  async post({ title, description = '', domain = 'general', reward = 1 }) {
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
