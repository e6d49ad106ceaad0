#!/usr/bin/env node
// Doc tests: runs the code blocks of README.md and docs/**/*.md, so the documentation never rots.
//
//   npm run doctest                         CI mode: every file, long blocks shortened by their
//                                           doctest-limit substitutions (their outputs not asserted)
//   npm run doctest -- --full [files...]    every block as written, every output asserted
//   npm run doctest -- docs/guides/x.md     only these Markdown files (CI mode unless --full)
//   options: --jobs N (Markdown files run in parallel; default 2, or 1 on one core), --timeout S (per block; default
//            600 with --full, else 120), --keep (keep the temp folder), --list (list the blocks only)
//
// What runs (the contract in the session brief; docs/README.md "Writing runnable docs" says it to authors):
// - ```ts blocks, in file order, each as its own ES module (type-checked with tsc, then transpiled
//   by esbuild and run by node), cwd = one fresh temp folder per Markdown file (blocks of a file
//   can share files they write there); `import ... from 'convkit'` resolves to this repository
//   (its dist/, so run `npm run build` first), `convkit/node` too.
// - ```text output directly after a block: the block's stdout must equal it (trailing spaces and
//   trailing blank lines ignored; a line that is exactly `...` matches any number of lines).
// - ```ts doctest-limit="<from> => <to>; <from> => <to>": in CI mode each <from> (which must occur
//   in the block) is replaced by <to> and the output block is not asserted; --full runs it as written.
// - ```ts browser: type-checked (DOM types) and bundled for the browser with esbuild, not run.
// - ```sh doctest: run by bash (set -eo pipefail), `convkit` on PATH = this repository's CLI;
//   other ```sh blocks are not run.
// - A block inside an HTML comment (<!-- ... -->) runs like any other but is not shown on the
//   rendered page: use it for setup a reader does not need to see (e.g. writing a file the next
//   visible block reads).
// Line numbers in reports, type errors and stack traces are the Markdown file's own.
// Ends with one plain line "N passed, N failed" (one per block).
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const o = {
    full: false,
    jobs: Math.min(2, availableParallelism()),
    timeout: undefined,
    keep: false,
    list: false,
    files: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`doctest: ${a} needs a value`);
      return v;
    };
    if (a === '--full') o.full = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--list') o.list = true;
    else if (a === '--jobs') o.jobs = positiveInt(a, value());
    else if (a === '--timeout') o.timeout = positiveInt(a, value());
    else if (a === '--help' || a === '-h') {
      console.log(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 10)
          .join('\n')
          .replaceAll('// ', ''),
      );
      process.exit(0);
    } else if (a.startsWith('--')) fail(`doctest: unknown option ${a} (see --help)`);
    else o.files.push(a);
  }
  o.timeout ??= o.full ? 600 : 120;
  return o;
}

function positiveInt(name, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`doctest: ${name} must be a positive integer, got ${v}`);
  return n;
}

function fail(msg) {
  console.error(msg);
  process.exit(2);
}

function markdownFiles() {
  const out = [];
  if (existsSync(join(ROOT, 'README.md'))) out.push(join(ROOT, 'README.md'));
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) out.push(p);
    }
  };
  walk(join(ROOT, 'docs'));
  return out;
}

// ---------------------------------------------------------------- Markdown parsing
/**
 * The fenced code blocks of a Markdown text: { line (1-based line of the opening fence), lang,
 * attrs, code, indent }. Fences may be indented (list items); the indent is removed from the code.
 */
export function fencedBlocks(text) {
  const lines = text.split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (!m) continue;
    const [, indent, fence, info] = m;
    if (fence[0] === '`' && info.includes('`')) continue; // not a fence (inline code)
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body = [];
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j])) {
      const l = lines[j];
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
      j++;
    }
    blocks.push({
      line: i + 1,
      endLine: j + 1,
      ...parseInfo(info.trim()),
      code: body.join('\n'),
      closed: j < lines.length,
    });
    i = j;
  }
  return blocks;
}

/** Splits an info string: `ts doctest-limit="a => b" browser` -> { lang: 'ts', flags: Set, attrs: {} }. */
function parseInfo(info) {
  const [lang = '', ...rest] = info.match(/[^\s"=]+="[^"]*"|[^\s]+/g) ?? [];
  const flags = new Set();
  const attrs = {};
  for (const tok of rest) {
    const kv = /^([^=]+)="(.*)"$/.exec(tok);
    if (kv) attrs[kv[1]] = kv[2];
    else flags.add(tok);
  }
  return { lang, flags, attrs };
}

/** The runnable blocks of one Markdown file, each with its asserted output block (or null), and the file's errors. */
function doctestBlocks(file) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split(/\r?\n/);
  const fenced = fencedBlocks(text);
  const blocks = [];
  const errors = [];
  let prev = null; // the previous fenced block if it runs
  for (const b of fenced) {
    const isOutput = b.lang === 'text' && b.flags.has('output');
    if (isOutput) {
      const between = prev ? lines.slice(prev.endLine, b.line - 1) : [];
      if (!prev || between.some((l) => l.trim() !== '' && !/^\s*(<!--|-->)\s*$/.test(l)))
        errors.push({ line: b.line, message: 'a ```text output block must directly follow a ts or sh doctest block' });
      else if (prev.output) errors.push({ line: b.line, message: 'a second ```text output block for one code block' });
      else prev.output = { line: b.line, text: b.code };
      continue;
    }
    prev = null;
    let kind = null;
    if (b.lang === 'ts' || b.lang === 'typescript') kind = b.flags.has('browser') ? 'browser' : 'ts';
    else if ((b.lang === 'sh' || b.lang === 'bash') && b.flags.has('doctest')) kind = 'sh';
    if (!kind) continue;
    if (!b.closed) errors.push({ line: b.line, message: 'code block never closed' });
    const unknown = [...b.flags].filter((f) => !['browser', 'doctest'].includes(f));
    const unknownAttrs = Object.keys(b.attrs).filter((a) => a !== 'doctest-limit');
    if (unknown.length || unknownAttrs.length)
      errors.push({ line: b.line, message: `unknown fence words: ${[...unknown, ...unknownAttrs].join(', ')}` });
    const block = { file, line: b.line, endLine: b.endLine, kind, code: b.code, limit: null, output: null };
    if ('doctest-limit' in b.attrs) {
      try {
        block.limit = parseLimit(b.attrs['doctest-limit']);
      } catch (e) {
        errors.push({ line: b.line, message: e.message });
      }
    }
    blocks.push(block);
    prev = block;
  }
  return { blocks, errors };
}

/** `a => b; c => d` -> [[a, b], [c, d]]. */
function parseLimit(spec) {
  const subs = spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const parts = s.split('=>');
      if (parts.length !== 2) throw new Error(`doctest-limit: "${s}" is not "<from> => <to>"`);
      const [from, to] = parts.map((p) => p.trim());
      if (!from) throw new Error(`doctest-limit: "${s}" has an empty <from>`);
      return [from, to];
    });
  if (subs.length === 0) throw new Error('doctest-limit: no substitution given');
  return subs;
}

/** The code CI runs: each substitution applied to every occurrence; a <from> that is not there is an error. */
function applyLimit(block) {
  let code = block.code;
  for (const [from, to] of block.limit) {
    if (!code.includes(from)) throw new Error(`doctest-limit: "${from}" does not occur in the block (stale limit?)`);
    code = code.split(from).join(to);
  }
  return code;
}

// ---------------------------------------------------------------- output comparison
const normalize = (s) => {
  const lines = s
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
};

/** Whether actual lines match expected lines, where an expected line `...` matches any number of lines. */
export function matchOutput(expected, actual) {
  const E = normalize(expected);
  const A = normalize(actual);
  const memo = new Map();
  const m = (i, j) => {
    const key = i * (A.length + 1) + j;
    if (memo.has(key)) return memo.get(key);
    let r;
    if (i === E.length) r = j === A.length;
    else if (E[i] === '...') r = m(i + 1, j) || (j < A.length && m(i, j + 1));
    else r = j < A.length && E[i] === A[j] && m(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return m(0, 0);
}

/** A line diff (longest common subsequence): '  ' same, '- ' expected only, '+ ' actual only. */
function diff(expected, actual) {
  const E = normalize(expected);
  const A = normalize(actual);
  const L = Array.from({ length: E.length + 1 }, () => new Int32Array(A.length + 1));
  for (let i = E.length - 1; i >= 0; i--)
    for (let j = A.length - 1; j >= 0; j--)
      L[i][j] = E[i] === A[j] || E[i] === '...' ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const out = [];
  let i = 0;
  let j = 0;
  while (i < E.length && j < A.length) {
    if (E[i] === A[j]) {
      out.push(`    ${E[i]}`);
      i++;
      j++;
    } else if (L[i + 1][j] >= L[i][j + 1]) out.push(`  - ${E[i++]}`);
    else out.push(`  + ${A[j++]}`);
  }
  while (i < E.length) out.push(`  - ${E[i++]}`);
  while (j < A.length) out.push(`  + ${A[j++]}`);
  return out.join('\n');
}

// ---------------------------------------------------------------- the temp workspace
function workspace(keep) {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-doctest-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'convkit'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  mkdirSync(join(dir, 'bin'));
  const cli = join(ROOT, 'dist', 'cli', 'main.js');
  writeFileSync(join(dir, 'bin', 'convkit'), `#!/bin/sh\nexec node ${JSON.stringify(cli)} "$@"\n`, { mode: 0o755 });
  if (!keep) process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Where a block's TypeScript is written: the Markdown line numbers are kept by padding with blank lines. */
function blockSource(block, code) {
  return `${'\n'.repeat(block.line)}${code}\n`;
}

// ---------------------------------------------------------------- type-checking (one program for every block)
function typecheck(ws, files, blocks) {
  const byPath = new Map();
  const roots = [];
  for (const b of blocks) {
    if (b.kind === 'sh') continue;
    const dir = join(ws, 'tc', String(files.indexOf(b.file)));
    mkdirSync(dir, { recursive: true });
    const p = join(dir, `L${b.line}.ts`);
    writeFileSync(p, blockSource(b, b.code));
    byPath.set(p, b);
    roots.push(p);
  }
  if (roots.length === 0) return;
  const options = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    moduleDetection: ts.ModuleDetectionKind.Force,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    noImplicitOverride: true,
  };
  const program = ts.createProgram(roots, options);
  const diags = [...program.getGlobalDiagnostics(), ...program.getOptionsDiagnostics()];
  if (diags.length) throw new Error(ts.formatDiagnostics(diags, formatHost));
  for (const sf of program.getSourceFiles()) {
    const b = byPath.get(resolve(sf.fileName));
    if (!b) continue;
    const ds = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    b.typeErrors = ds.map((d) => {
      const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${rel(b.file)}:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  }
}

const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
const rel = (f) => relative(ROOT, f) || f;

// ---------------------------------------------------------------- running
function runProcess(cmd, args, { cwd, env, timeout }) {
  return new Promise((resolveP) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeout * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveP({ code, signal, stdout, stderr, timedOut });
    });
  });
}

async function runBlock(block, ws, cwd, opts) {
  const t0 = performance.now();
  const limited = !opts.full && block.limit !== null;
  const res = { block, ok: false, limited, seconds: 0, problems: [] };
  const done = () => {
    res.seconds = (performance.now() - t0) / 1000;
    return res;
  };
  if (block.typeErrors?.length) res.problems.push(`type errors:\n${block.typeErrors.map((e) => `  ${e}`).join('\n')}`);
  let code = block.code;
  if (limited) {
    try {
      code = applyLimit(block);
    } catch (e) {
      res.problems.push(e.message);
      return done();
    }
  }
  const scripts = join(ws, 'scripts', String(opts.files.indexOf(block.file)));
  mkdirSync(scripts, { recursive: true });

  if (block.kind === 'browser') {
    const entry = join(scripts, `L${block.line}.browser.ts`);
    writeFileSync(entry, blockSource(block, code));
    try {
      await esbuild.build({
        entryPoints: [entry],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        write: false,
        absWorkingDir: ws,
        logLevel: 'silent',
      });
    } catch (e) {
      const msgs = (e.errors ?? []).map((m) => `  ${rel(block.file)}:${m.location?.line ?? block.line}: ${m.text}`);
      res.problems.push(`esbuild could not bundle it for the browser:\n${msgs.join('\n') || e.message}`);
    }
    res.ok = res.problems.length === 0;
    return done();
  }

  const env = {
    ...process.env,
    PATH: `${join(ws, 'bin')}:${process.env.PATH}`,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
  let run;
  if (block.kind === 'ts') {
    let js;
    try {
      js = (
        await esbuild.transform(blockSource(block, code), {
          loader: 'ts',
          format: 'esm',
          target: 'node20',
          sourcemap: 'inline',
          sourcefile: block.file,
        })
      ).code;
    } catch (e) {
      res.problems.push(
        `esbuild could not transpile it:\n${(e.errors ?? []).map((m) => `  ${m.text}`).join('\n') || e.message}`,
      );
      return done();
    }
    const script = join(scripts, `L${block.line}.mjs`);
    writeFileSync(script, js);
    run = await runProcess(process.execPath, ['--enable-source-maps', script], { cwd, env, timeout: opts.timeout });
  } else {
    const script = join(scripts, `L${block.line}.sh`);
    writeFileSync(script, `set -eo pipefail\n${code}\n`);
    run = await runProcess('bash', [script], { cwd, env, timeout: opts.timeout });
  }
  if (run.timedOut) res.problems.push(`timed out after ${opts.timeout} s (--timeout)`);
  else if (run.code !== 0) res.problems.push(`exited with ${run.code ?? run.signal}`);
  if (run.code !== 0 || run.timedOut) {
    const tail = (s) => s.split('\n').slice(-40).join('\n').trimEnd();
    if (run.stderr.trim()) res.problems.push(`stderr:\n${indent(tail(run.stderr))}`);
    if (run.stdout.trim()) res.problems.push(`stdout:\n${indent(tail(run.stdout))}`);
  } else if (block.output && !limited && !matchOutput(block.output.text, run.stdout)) {
    res.problems.push(
      `stdout differs from the output block at ${rel(block.file)}:${block.output.line} (- expected, + actual):\n${diff(block.output.text, run.stdout)}`,
    );
  }
  res.ok = res.problems.length === 0;
  return done();
}

const indent = (s) =>
  s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

function report(r) {
  const b = r.block;
  const where = `${rel(b.file)}:${b.line}`;
  const what = `${b.kind === 'browser' ? 'ts browser (typecheck + bundle)' : b.kind}${r.limited ? ', limited' : ''}${b.output && !r.limited && b.kind !== 'browser' ? ', output asserted' : ''}`;
  if (r.ok) console.log(`ok   ${where} ${what} (${r.seconds.toFixed(1)} s)`);
  else {
    console.log(`FAIL ${where} ${what} (${r.seconds.toFixed(1)} s)`);
    for (const p of r.problems) console.log(indent(p));
  }
}

// ---------------------------------------------------------------- main
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const files = (opts.files.length ? opts.files.map((f) => resolve(f)) : markdownFiles()).filter(
    (f, i, a) => a.indexOf(f) === i,
  );
  for (const f of files) if (!existsSync(f)) fail(`doctest: no such file: ${f}`);
  opts.files = files;

  let passed = 0;
  let failed = 0;
  const perFile = files.map((f) => ({ file: f, ...doctestBlocks(f) }));
  for (const { file, errors } of perFile)
    for (const e of errors) {
      console.log(`FAIL ${rel(file)}:${e.line} ${e.message}`);
      failed++;
    }
  const all = perFile.flatMap((p) => p.blocks);
  if (opts.list) {
    for (const b of all)
      console.log(
        `${rel(b.file)}:${b.line} ${b.kind}${b.limit ? ' (limit)' : ''}${b.output ? ` output at line ${b.output.line}` : ''}`,
      );
    return;
  }
  if (!existsSync(join(ROOT, 'dist', 'index.js')) || !existsSync(join(ROOT, 'dist', 'index.d.ts')))
    fail('doctest: dist/ is missing: run `npm run build` first (the blocks import convkit from dist)');

  const t0 = performance.now();
  const ws = workspace(opts.keep);
  if (opts.keep) console.log(`doctest: temp folder ${ws}`);
  const tTc = performance.now();
  typecheck(ws, files, all);
  console.log(
    `doctest: ${all.length} blocks in ${files.length} files; type-checked in ${((performance.now() - tTc) / 1000).toFixed(1)} s${opts.full ? '; --full' : ''}`,
  );

  // files in parallel (--jobs), the blocks of a file in order
  const queue = perFile.filter((p) => p.blocks.length > 0);
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const cwd = join(ws, 'run', `${files.indexOf(p.file)}`);
      mkdirSync(cwd, { recursive: true });
      const results = [];
      for (const b of p.blocks) results.push(await runBlock(b, ws, cwd, opts));
      for (const r of results) {
        report(r);
        if (r.ok) passed++;
        else failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.jobs }, worker));
  console.log(`doctest: ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
