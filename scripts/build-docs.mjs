#!/usr/bin/env node
// `npm run docs`: builds the handbook as a static site in docs-site/ (gitignored):
//   docs-site/index.html          -> the handbook index (docs/README.md)
//   docs-site/docs/**.html        docs/**/*.md rendered with markdown-it (tutorials, guides), docs/ files copied
//   docs-site/docs/cli.html       the CLI reference, generated from the CLI's command registry
//                                 (src/cli/reference.ts: each command's --help text)
//   docs-site/docs/api-topics.html  every public symbol by lecture topic, linked into the API reference
//   docs-site/api/                the API reference (TypeDoc, typedoc.json + scripts/typedoc-plugin.mjs)
//   docs-site/README.html, ...    the repository's README and any other Markdown file the pages link to;
//                                 other repository files they link to (examples/*.ts, ...) are copied
// Every link is relative, so the site works from file:// and from any static server (convkit studio's
// included). Fails (exit 1) on a public symbol without a doc comment (TypeDoc's notDocumented, as an
// error), on a TypeDoc warning, and on a broken internal link or #anchor in the Markdown pages.
// Needs dist/ (npm run build) for the CLI reference.
//   node scripts/build-docs.mjs [--out DIR] [--no-api]   (--no-api: skip TypeDoc, for quick Markdown work)
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, extname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import MarkdownIt from 'markdown-it';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const OUT = resolve(outArg >= 0 ? args[outArg + 1] : join(ROOT, 'docs-site'));
const withApi = !args.includes('--no-api');
const problems = [];
const t0 = performance.now();
const toPosix = (p) => p.split(sep).join('/');

// ---------------------------------------------------------------- TypeDoc
/** Runs TypeDoc with typedoc.json (out: OUT/api); returns the project and its router, or null after errors. */
async function buildApi() {
  const td = await import('typedoc');
  // Members not documented yet, listed by name so that every other symbol must have a comment; TypeDoc warns
  // (so the build fails) when a listed member gets documented or disappears: the list only shrinks.
  const pending = JSON.parse(readFileSync(join(ROOT, 'scripts', 'docs-undocumented.json'), 'utf8')).names;
  const app = await td.Application.bootstrapWithPlugins(
    { options: join(ROOT, 'typedoc.json'), out: join(OUT, 'api'), intentionallyNotDocumented: pending },
    [new td.TypeDocReader(), new td.TSConfigReader()],
  );
  const strict = app.options.getValue('treatWarningsAsErrors');
  const failed = () => app.logger.hasErrors() || (strict && app.logger.hasWarnings());
  if (failed()) return null;
  const project = await app.convert();
  if (!project) return null;
  app.validate(project);
  const hadProblems = failed();
  let router = null; // the renderer drops its router after rendering: keep it for the topics page's links
  app.renderer.on(td.Renderer.EVENT_END, () => {
    router = app.renderer.router;
  });
  await app.generateOutputs(project); // written even when undocumented symbols fail the build, to look at
  if (hadProblems || failed()) {
    problems.push(
      `TypeDoc: ${app.logger.errorCount} errors, ${app.logger.warningCount} warnings (above; with treatWarningsAsErrors each fails the build)`,
    );
  }
  if (!router) throw new Error('docs: TypeDoc rendered no router (typedoc version change?)');
  return { td, project, router };
}

/** The first sentence of a reflection's comment summary (its first signature's for functions), as plain text. */
function summaryOf(refl) {
  const parts = [refl.comment, ...(refl.signatures ?? []).map((s) => s.comment)].find(
    (c) => c?.summary.length,
  )?.summary;
  const text = (parts ?? [])
    .map((p) => p.text)
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  const m = /^(.*?\.)\s/.exec(text);
  const first = m ? m[1] : text;
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}

/** Markdown: every public symbol grouped by lecture topic, linked into the API reference. */
async function topicsPage(api) {
  const { td, project, router } = api;
  const { TOPICS, topicOf } = await import(pathToFileURL(join(ROOT, 'scripts', 'typedoc-plugin.mjs')).href);
  const byTopic = new Map(TOPICS.map((t) => [t, []]));
  const category = (refl) => {
    const fromGroups = (parent) =>
      parent.categories?.find((c) => c.children.includes(refl))?.title ??
      parent.groups?.flatMap((g) => g.categories ?? []).find((c) => c.children.includes(refl))?.title;
    return fromGroups(refl.parent);
  };
  for (const mod of project.children ?? []) {
    const prefix = mod.name === 'convkit/node' ? "import from 'convkit/node'" : "import from 'convkit'";
    for (const child of mod.children ?? []) {
      const topic = category(child);
      if (child.kindOf(td.ReflectionKind.Namespace)) {
        for (const c of child.children ?? []) {
          const t = category(c) ?? topicOf('index', child.name, null);
          byTopic.get(t)?.push({ name: `${child.name}.${c.name}`, refl: c, from: prefix });
        }
      } else if (topic) byTopic.get(topic)?.push({ name: child.name, refl: child, from: prefix });
    }
  }
  const kindName = (r) => td.ReflectionKind.singularString(r.kind).toLowerCase();
  const lines = [
    '# API by lecture topic',
    '',
    "Every public symbol of `convkit` (and of `convkit/node`, Node's file-system functions), grouped the way",
    'the lectures are taught, with the first sentence of its doc comment. The names link into the',
    '[API reference](../api/index.html) (generated from the doc comments by TypeDoc).',
    '',
    ...TOPICS.map((t) => `- [${t}](#${slug(t)}) (${byTopic.get(t).length})`),
  ];
  for (const t of TOPICS) {
    lines.push('', `## ${t}`, '', '| symbol | kind | what it is |', '|---|---|---|');
    const entries = byTopic.get(t).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const linked = e.refl.kindOf(td.ReflectionKind.Reference) ? e.refl.getTargetReflectionDeep() : e.refl;
      const url = router.hasUrl(linked) ? `../api/${router.getFullUrl(linked)}` : null;
      const name = url ? `[\`${e.name}\`](${url})` : `\`${e.name}\``;
      const node = e.from.includes('node') ? ' (convkit/node)' : '';
      const target = e.refl.kindOf(td.ReflectionKind.Reference) ? e.refl.getTargetReflectionDeep() : e.refl;
      const summary = summaryOf(target);
      if (!summary) problems.push(`${e.name} has no summary sentence in its doc comment`);
      lines.push(`| ${name}${node} | ${kindName(target)} | ${summary.replaceAll('|', '\\|')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- Markdown
const md = new MarkdownIt({ html: true, linkify: false, typographer: false });

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats numbered. */
function slug(text) {
  return text
    .toLowerCase()
    .trim()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

md.core.ruler.push('heading_ids', (state) => {
  const seen = new Map();
  const tokens = state.tokens;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].type !== 'heading_open') continue;
    const text = tokens[i + 1].children
      .filter((t) => t.type === 'text' || t.type === 'code_inline')
      .map((t) => t.content)
      .join('');
    const base = slug(text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    tokens[i].attrSet('id', n === 0 ? base : `${base}-${n}`);
  }
});

/** Markdown files of the site: repo-relative path -> source text (generated pages have no file). */
const pages = new Map();
/** Repository files (not Markdown) the pages link to: copied into the site. */
const copied = new Set();
/** Per page: the links to check after every page is known. [from page, href, line]. */
const links = [];

const htmlPath = (page) => page.replace(/\.md$/i, '.html');

function rewriteLinks(page, tokens, blockLine) {
  for (const t of tokens) {
    if (t.children) rewriteLinks(page, t.children, t.map?.[0] ?? blockLine);
    const attr = t.type === 'link_open' ? 'href' : t.type === 'image' ? 'src' : null;
    if (!attr) continue;
    const href = t.attrGet(attr);
    if (!href || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) continue; // external
    links.push([page, href, t.map?.[0] ?? blockLine]);
    const [path, hash] = href.split('#');
    if (path && /\.md$/i.test(path))
      t.attrSet(attr, `${path.replace(/\.md$/i, '.html')}${hash !== undefined ? `#${hash}` : ''}`);
  }
}

/** The page around a rendered Markdown body. */
function template(page, title, body) {
  const up = posix.relative(posix.dirname(page), '.') || '.';
  const rel = (p) => `${up}/${p}`.replace(/^\.\//, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — convkit</title>
<link rel="stylesheet" href="${rel('handbook.css')}">
</head>
<body>
<nav class="top"><a href="${rel('docs/README.html')}">Handbook</a> <a href="${rel('README.html')}">README</a> <a href="${rel('api/index.html')}">API reference</a> <a href="${rel('docs/api-topics.html')}">API by topic</a> <a href="${rel('docs/cli.html')}">CLI reference</a></nav>
<main>
${body}
</main>
</body>
</html>
`;
}

const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

const CSS = `body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:58rem;margin:0 auto;padding:1rem 1.5rem 4rem}
nav.top{position:sticky;top:0;background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:.5rem 1.5rem;z-index:1}
nav.top a{margin-right:1.2rem;font-weight:600;text-decoration:none;color:#0969da}
a{color:#0969da}
pre{background:#f6f8fa;padding:.8rem 1rem;overflow:auto;border-radius:6px;font-size:.88em;line-height:1.45}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
:not(pre)>code{background:#eff1f3;padding:.1em .3em;border-radius:4px}
table{border-collapse:collapse;margin:1rem 0;display:block;overflow:auto}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;vertical-align:top}
th{background:#f6f8fa}
img{max-width:100%}
h1,h2,h3{line-height:1.25;margin-top:1.8em}
h1{border-bottom:1px solid #d0d7de;padding-bottom:.3em}
blockquote{margin:0;padding:0 1em;color:#59636e;border-left:.25em solid #d0d7de}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}nav.top,pre,th{background:#161b22;border-color:#30363d}
a,nav.top a{color:#4493f8}:not(pre)>code{background:#262c36}th,td{border-color:#30363d}}
`;

function renderPage(page, text) {
  const env = {};
  const tokens = md.parse(text, env);
  rewriteLinks(page, tokens);
  const body = md.renderer.render(tokens, md.options, env);
  const h1 = tokens.findIndex((t) => t.type === 'heading_open' && t.tag === 'h1');
  const title = h1 >= 0 ? tokens[h1 + 1].content : page;
  const file = join(OUT, htmlPath(page));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, template(htmlPath(page), title, body));
  return body;
}

/** The ids of an HTML body's elements (heading anchors and explicit ids). */
const idsOf = (html) => new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));

function walkDocs(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walkDocs(p, out);
    else out.push(toPosix(relative(ROOT, p)));
  }
  return out;
}

// ---------------------------------------------------------------- main
async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  let api = null;
  if (withApi) {
    const tApi = performance.now();
    api = await buildApi();
    console.log(`docs: API reference in ${((performance.now() - tApi) / 1000).toFixed(1)} s`);
    if (!api) problems.push('TypeDoc failed before writing the API reference (messages above)');
  }

  // generated pages
  const distReference = join(ROOT, 'dist', 'cli', 'reference.js');
  if (!existsSync(distReference)) problems.push('docs: dist/cli/reference.js is missing: run `npm run build` first');
  else {
    const { cliReferenceMarkdown } = await import(pathToFileURL(distReference).href);
    pages.set('docs/cli.md', await cliReferenceMarkdown());
  }
  if (api) pages.set('docs/api-topics.md', await topicsPage(api));
  else if (!withApi)
    pages.set(
      'docs/api-topics.md',
      '# API by lecture topic\n\nBuilt with --no-api: run `npm run docs` for this page.\n',
    );

  // docs/: Markdown pages and every other file (images, scripts) copied
  for (const f of existsSync(join(ROOT, 'docs')) ? walkDocs(join(ROOT, 'docs'), []) : []) {
    if (/\.md$/i.test(f)) pages.set(f, readFileSync(join(ROOT, f), 'utf8'));
    else copied.add(f);
  }
  pages.set('README.md', readFileSync(join(ROOT, 'README.md'), 'utf8'));
  if (!pages.has('docs/README.md')) problems.push('docs/README.md (the handbook index) is missing');

  // render, following links to other Markdown files of the repository
  const rendered = new Map(); // page -> html body
  const queue = [...pages.keys()];
  while (queue.length) {
    const page = queue.shift();
    if (rendered.has(page)) continue;
    const text = pages.get(page) ?? readFileSync(join(ROOT, page), 'utf8');
    const start = links.length;
    rendered.set(page, renderPage(page, text));
    for (const [, href] of links.slice(start)) {
      const path = href.split('#')[0];
      if (!path) continue;
      const target = posix.normalize(posix.join(posix.dirname(page), decodeURI(path)));
      if (target.startsWith('..')) continue; // reported below
      if (/\.md$/i.test(target) && !rendered.has(target) && !pages.has(target) && existsSync(join(ROOT, target))) {
        pages.set(target, readFileSync(join(ROOT, target), 'utf8'));
        queue.push(target);
      } else if (!/\.md$/i.test(target) && existsSync(join(ROOT, target)) && statSync(join(ROOT, target)).isFile())
        copied.add(target);
    }
  }
  for (const f of copied) {
    mkdirSync(dirname(join(OUT, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(OUT, f));
  }
  writeFileSync(join(OUT, 'handbook.css'), CSS);
  writeFileSync(
    join(OUT, 'index.html'),
    '<!doctype html>\n<meta charset="utf-8">\n<title>convkit handbook</title>\n<meta http-equiv="refresh" content="0; url=docs/README.html">\n<p><a href="docs/README.html">The convkit handbook</a></p>\n',
  );

  // links: every internal target exists in the site, every #anchor on its page
  const ids = new Map([...rendered].map(([p, html]) => [htmlPath(p), idsOf(html)]));
  for (const [page, href, line] of links) {
    const where = `${page}${line !== undefined && !page.startsWith('docs/cli') && !page.startsWith('docs/api-topics') ? `:${line + 1}` : ''}`;
    const [path, hash] = href.split('#');
    const targetPage = path ? posix.normalize(posix.join(posix.dirname(page), decodeURI(path))) : page;
    if (targetPage.startsWith('..') || targetPage.startsWith('/')) {
      problems.push(`${where}: link ${href} leaves the repository`);
      continue;
    }
    const inSite = /\.md$/i.test(targetPage) ? htmlPath(targetPage) : targetPage;
    if (!existsSync(join(OUT, inSite)) || statSync(join(OUT, inSite)).isDirectory()) {
      problems.push(
        `${where}: broken link ${href}${existsSync(join(ROOT, targetPage)) ? ' (a folder: link a file in it)' : ' (no such file)'}`,
      );
      continue;
    }
    if (hash && extname(inSite) === '.html') {
      const pageIds = ids.get(inSite) ?? idsOf(readFileSync(join(OUT, inSite), 'utf8'));
      if (!pageIds.has(decodeURIComponent(hash)))
        problems.push(`${where}: broken anchor ${href} (no #${hash} on ${inSite})`);
    }
  }

  const s = ((performance.now() - t0) / 1000).toFixed(1);
  if (problems.length) {
    for (const p of problems) console.error(`docs: ${p}`);
    console.error(
      `docs: FAILED (${problems.length} problems) in ${s} s; the site so far is in ${relative(ROOT, OUT) || OUT}`,
    );
    process.exitCode = 1;
  } else
    console.log(
      `docs: ${rendered.size} Markdown pages, ${copied.size} files, ${withApi ? 'API reference, ' : ''}CLI reference in ${s} s -> ${relative(ROOT, OUT) || OUT}/index.html`,
    );
}

await main();
