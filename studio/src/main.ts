/**
 * convkit studio's entry: the hash router (#/page?query) over the pages, the navigation bar,
 * and focus management so that keyboard and screen-reader users land on each page's heading.
 */
import './style.css';
import { calculatorPage } from './pages/calculator.js';
import { convolutionPage } from './pages/convolution.js';
import { filtersPage } from './pages/filters.js';
import { homePage } from './pages/home.js';
import { insidePage } from './pages/inside.js';
import { playgroundPage } from './pages/playground.js';
import { trainPage } from './pages/train.js';
import { el, PAGE_LIST, type Page } from './ui.js';

/** Every page, in navigation order (home first). */
const PAGES: readonly Page[] = [
  homePage,
  trainPage,
  insidePage,
  convolutionPage,
  calculatorPage,
  filtersPage,
  playgroundPage,
];
PAGE_LIST.push(...PAGES);

const nav = document.getElementById('nav') as HTMLUListElement;
const main = document.getElementById('main') as HTMLElement;
let cleanup: (() => void) | undefined;

for (const p of PAGES) {
  if (p.id === '') continue;
  nav.append(el('li', {}, el('a', { href: `#/${p.id}`, 'data-page': p.id, text: p.title })));
}

/** The page id and query of the current hash ('#/convolution?example=...'). */
function route(): { id: string; params: URLSearchParams } {
  const h = location.hash.replace(/^#\/?/, '');
  const [id, query = ''] = h.split('?', 2);
  return { id, params: new URLSearchParams(query) };
}

function show(): void {
  const { id, params } = route();
  const page = PAGES.find((p) => p.id === id) ?? homePage;
  cleanup?.();
  cleanup = undefined;
  main.replaceChildren();
  main.dataset.page = page.id || 'home';
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.page === page.id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = page.id ? `${page.title} · convkit studio` : 'convkit studio';
  cleanup = page.render(main, params);
  const h1 = main.querySelector('h1');
  if (h1 && document.activeElement !== document.body && !main.contains(document.activeElement)) {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: true });
  }
}

window.addEventListener('hashchange', show);
show();
