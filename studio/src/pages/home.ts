/** The studio's start page: what each page does, with links. */
import { el, PAGE_LIST, type Page } from '../ui.js';

/** The home page. */
export const homePage: Page = {
  id: '',
  title: 'Home',
  blurb: '',
  render(root) {
    root.append(
      el('h1', { text: 'convkit studio' }),
      el(
        'p',
        { class: 'lead' },
        'Convolutional networks from the lectures, computed by convkit in this page: every number you see comes from the same ops that train the models.',
      ),
    );
    const list = el('ul', { class: 'cards' });
    for (const p of PAGE_LIST) {
      if (p.id === '') continue;
      list.append(
        el('li', {}, el('a', { href: `#/${p.id}` }, el('h2', { text: p.title }), el('p', { text: p.blurb }))),
      );
    }
    root.append(list);
    return undefined;
  },
};
