/**
 * The layering of src/: parses every import and export-from of src/** (with the TypeScript
 * parser) and fails on a forbidden edge between top-level folders, on a cycle between them, on
 * a static `node:` import in code a browser bundle reaches from src/index.ts (and bundles it
 * with esbuild for the browser platform), and on an environment variable read or runtime
 * detection outside src/platform.ts. Each failure names the file and import.
 *
 * Units are the top-level folders of src (backend, tensor, nn, ...) and the files directly in
 * src (index, platform). One documented merge: the autograd engine and the tensor type form one
 * layer (tensor ops record their backward with the engine; the engine frees a step's storage
 * through tensor/alloc), so autograd counts as part of tensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
import { tmpdir } from 'node:os';
import { createContext, runInContext } from 'node:vm';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const srcDir = join(root, 'src');

/** One import or re-export in a source file. */
export interface ImportEdge {
  /** The importing file, relative to the repository root. */
  file: string;
  /** Its line (1-based). */
  line: number;
  /** The module specifier as written. */
  specifier: string;
  /** The imported file relative to the repository root (relative specifiers only). */
  target?: string;
  /** `import type` / `export type` (or every named binding type-only): erased at compile time. */
  typeOnly: boolean;
  /** A dynamic `import()`. */
  dynamic: boolean;
}

const parsed = new Map<string, ts.SourceFile>();
/** The parsed source (cached: the same file is parsed once for every check). */
function sourceOf(file: string, text: string): ts.SourceFile {
  const hit = parsed.get(file);
  if (hit && hit.text === text) return hit;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  parsed.set(file, sf);
  return sf;
}

/** Every import, export-from and dynamic import() with a literal specifier in a TypeScript source. */
export function parseImports(file: string, text: string): ImportEdge[] {
  const sf = sourceOf(file, text);
  const out: ImportEdge[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined, typeOnly: boolean, dynamic: boolean): void => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ file, line, specifier: spec.text, typeOnly, dynamic });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly =
        !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier, typeOnly, false);
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      const typeOnly = node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly));
      add(node, node.moduleSpecifier, typeOnly, false);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly, false);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false, true);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, true, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) return sourceFiles(p);
      return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
    });
}

/** The source file a relative specifier names ('./x.js' is x.ts; a folder is its index.ts). */
function resolveTarget(fromAbs: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(fromAbs), spec);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base,
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return relative(root, hit ?? base.replace(/\.js$/, '.ts'))
    .split(sep)
    .join('/');
}

/** Layers that count as one unit (see the header comment). */
const MERGED: Record<string, string> = { autograd: 'tensor' };

/** The unit of a file under src/: its top-level folder, or its own name for a file directly in src. */
export function unitOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] !== 'src' || parts.length < 2) return undefined;
  const unit = parts.length === 2 ? parts[1].replace(/\.ts$/, '') : parts[1];
  return MERGED[unit] ?? unit;
}

/**
 * Edges no import may take (importer unit -> imported units). Every folder may import
 * src/platform.ts; src/platform.ts imports nothing.
 */
export const FORBIDDEN: Record<string, readonly string[]> = {
  // kernels work on typed arrays: they know nothing of tensors, layers, files or the CLI
  backend: ['tensor', 'io', 'nn', 'optim', 'train', 'data', 'models', 'vision', 'cli', 'index'],
  tensor: ['nn', 'optim', 'train', 'data', 'models', 'vision', 'io', 'cli', 'index'],
  // io may build and read modules (ONNX import returns an nn Module evaluated with F ops)
  io: ['optim', 'train', 'data', 'models', 'vision', 'cli', 'index'],
  nn: ['train', 'data', 'models', 'vision', 'io', 'cli', 'index'],
  optim: ['nn', 'train', 'data', 'models', 'vision', 'io', 'cli', 'index'],
  platform: ['backend', 'tensor', 'io', 'nn', 'optim', 'train', 'data', 'models', 'vision', 'cli', 'index'],
};
/** Units that may import the CLI: the CLI itself only. */
const CLI_IMPORTERS = new Set(['cli']);

/** Every unit-to-unit edge of a set of imports, with one example import each. */
export function unitEdges(edges: readonly ImportEdge[]): Map<string, ImportEdge[]> {
  const m = new Map<string, ImportEdge[]>();
  for (const e of edges) {
    if (!e.target) continue;
    const a = unitOf(e.file),
      b = unitOf(e.target);
    if (!a || !b || a === b) continue;
    const k = `${a} -> ${b}`;
    let list = m.get(k);
    if (!list) {
      list = [];
      m.set(k, list);
    }
    list.push(e);
  }
  return m;
}

/** Violations of FORBIDDEN and of "nothing imports cli", one line each. */
export function forbiddenEdges(edges: readonly ImportEdge[]): string[] {
  const bad: string[] = [];
  for (const [k, list] of unitEdges(edges)) {
    const [a, b] = k.split(' -> ');
    if ((FORBIDDEN[a]?.includes(b) ?? false) || (b === 'cli' && !CLI_IMPORTERS.has(a))) {
      for (const e of list) bad.push(`${k}: ${e.file}:${e.line} imports '${e.specifier}'`);
    }
  }
  return bad;
}

/**
 * Cycles between units through imports that exist at run time (type-only imports are erased
 * and cannot create a load-order cycle); each as "a -> b -> a" with one import per step.
 */
export function unitCycles(edges: readonly ImportEdge[]): string[] {
  const runtime = unitEdges(edges.filter((e) => !e.typeOnly));
  const next = new Map<string, string[]>();
  for (const k of runtime.keys()) {
    const [a, b] = k.split(' -> ');
    next.set(a, [...(next.get(a) ?? []), b]);
  }
  // Tarjan's strongly connected components; a component of more than one unit is a cycle
  let index = 0;
  const idx = new Map<string, number>(),
    low = new Map<string, number>(),
    on = new Set<string>(),
    stack: string[] = [];
  const comps: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) comps.push(comp.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!idx.has(v)) strong(v);
  return comps.map((comp) => {
    const inComp = [...runtime.entries()].filter(([k]) => {
      const [a, b] = k.split(' -> ');
      return comp.includes(a) && comp.includes(b);
    });
    return (
      `cycle between ${comp.join(', ')}: ` +
      inComp.map(([k, list]) => `${k} (${list[0].file}:${list[0].line})`).join('; ')
    );
  });
}

/** Files reachable from `entry` through static run-time imports (what a bundler must include). */
export function staticallyReachable(entry: string, edges: readonly ImportEdge[]): Set<string> {
  const from = new Map<string, ImportEdge[]>();
  for (const e of edges) if (!e.typeOnly && !e.dynamic) from.set(e.file, [...(from.get(e.file) ?? []), e]);
  const seen = new Set<string>([entry]);
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop()!;
    for (const e of from.get(f) ?? [])
      if (e.target && !seen.has(e.target)) {
        seen.add(e.target);
        todo.push(e.target);
      }
  }
  return seen;
}

const NODE_BUILTINS = new Set([
  'fs',
  'fs/promises',
  'path',
  'url',
  'os',
  'module',
  'util',
  'zlib',
  'crypto',
  'child_process',
  'worker_threads',
  'v8',
  'vm',
  'stream',
  'events',
  'buffer',
  'process',
  'readline',
  'http',
  'https',
  'net',
  'perf_hooks',
]);

/** Static run-time imports of Node built-ins in files a browser bundle of src/index.ts includes. */
export function nodeImportsInBrowserCode(edges: readonly ImportEdge[]): string[] {
  const reach = staticallyReachable('src/index.ts', edges);
  return edges
    .filter(
      (e) =>
        reach.has(e.file) &&
        !e.typeOnly &&
        !e.dynamic &&
        (e.specifier.startsWith('node:') || NODE_BUILTINS.has(e.specifier)),
    )
    .map(
      (e) =>
        `${e.file}:${e.line} imports '${e.specifier}' statically (load it through src/platform.ts: nodeBuiltin/requireNode)`,
    );
}

/**
 * Host access outside src/platform.ts: environment reads (`process.env`, `process['env']`,
 * `proc?.env`: any expression named like process), runtime detection (`process.versions`,
 * `typeof window/document/process`, WorkerGlobalScope, importScripts) and `getBuiltinModule`
 * (loading Node modules). Comments and strings do not count (the wasm worker's source is a
 * string: it runs in a worker that cannot import convkit).
 */
export function envReadsOutsidePlatform(files: readonly { file: string; text: string }[]): string[] {
  const bad: string[] = [];
  for (const { file, text } of files) {
    // platform.ts is the place for it; jpeg-js is third-party code kept as published (its
    // `typeof window` checks see a local undefined `window`: scripts/vendor-jpeg-js.mjs)
    if (file === 'src/platform.ts' || file === 'src/vision/generated/jpeg-js.ts') continue;
    const sf = sourceOf(file, text);
    const hits: number[] = [];
    const visit = (node: ts.Node): void => {
      let name: string | undefined;
      let obj: ts.Expression | undefined;
      if (ts.isPropertyAccessExpression(node)) {
        name = node.name.text;
        obj = node.expression;
      } else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
        name = node.argumentExpression.text;
        obj = node.expression;
      }
      if ((name === 'env' || name === 'versions') && obj && /\bproc(ess)?\b/.test(obj.getText(sf)))
        hits.push(node.getStart(sf));
      if (ts.isIdentifier(node) && ['getBuiltinModule', 'WorkerGlobalScope', 'importScripts'].includes(node.text))
        hits.push(node.getStart(sf));
      if (
        ts.isTypeOfExpression(node) &&
        ts.isIdentifier(node.expression) &&
        ['window', 'document', 'process'].includes(node.expression.text)
      )
        hits.push(node.getStart(sf));
      ts.forEachChild(node, visit);
    };
    visit(sf);
    for (const pos of hits) {
      const line = sf.getLineAndCharacterOfPosition(pos).line + 1;
      bad.push(
        `${file}:${line}: reads the environment, detects the runtime or loads a Node module (use getenv / isNode / runtime / nodeBuiltin from src/platform.ts; declare new variables in ENVIRONMENT there)`,
      );
    }
  }
  return bad;
}

const files = sourceFiles(srcDir).map((abs) => {
  const file = relative(root, abs).split(sep).join('/');
  return { abs, file, text: readFileSync(abs, 'utf8') };
});
const edges = files.flatMap(({ abs, file, text }) =>
  parseImports(file, text).map((e) => ({ ...e, target: resolveTarget(abs, e.specifier) })),
);

test('the import parser sees every kind of import (and tells type-only ones apart)', () => {
  const got = parseImports(
    'src/x/a.ts',
    [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "import { type C, type D } from '../c/c.js';",
      "import { type E, f } from '../e/e.js';",
      "export { g } from '../g/g.js';",
      "export type { H } from '../h/h.js';",
      "import * as ns from '../ns/ns.js';",
      "import '../side/effect.js';",
      "const m = await import('node:fs');",
      "// import { no } from '../comment/c.js';",
      'const s = "import { no } from \'../string/s.js\'";',
    ].join('\n'),
  );
  assert.deepEqual(
    got.map((e) => [e.specifier, e.typeOnly, e.dynamic]),
    [
      ['./a.js', false, false],
      ['../b/b.js', true, false],
      ['../c/c.js', true, false],
      ['../e/e.js', false, false],
      ['../g/g.js', false, false],
      ['../h/h.js', true, false],
      ['../ns/ns.js', false, false],
      ['../side/effect.js', false, false],
      ['node:fs', false, true],
    ],
  );
  assert.equal(got[3].line, 4);
});

test('the rules catch a forbidden edge, an import of the CLI, a cycle and a static node: import', () => {
  const e = (file: string, target: string, extra: Partial<ImportEdge> = {}): ImportEdge => ({
    file,
    line: 1,
    specifier: `./${target}`,
    target,
    typeOnly: false,
    dynamic: false,
    ...extra,
  });
  assert.deepEqual(forbiddenEdges([e('src/backend/native/index.ts', 'src/io/node-sync.ts')]), [
    "backend -> io: src/backend/native/index.ts:1 imports './src/io/node-sync.ts'",
  ]);
  assert.equal(forbiddenEdges([e('src/train/fit.ts', 'src/cli/main.ts')]).length, 1);
  assert.equal(
    forbiddenEdges([e('src/tensor/ops/x.ts', 'src/nn/module.ts', { typeOnly: true })]).length,
    1,
    'type imports count for layering',
  );
  assert.deepEqual(
    forbiddenEdges([
      e('src/cli/main.ts', 'src/cli/options.ts'),
      e('src/nn/a.ts', 'src/autograd/engine.ts'),
      e('src/io/a.ts', 'src/platform.ts'),
    ]),
    [],
  );
  // the io -> tensor -> backend -> io cycle of the old tree
  const cycle = [
    e('src/io/safetensors.ts', 'src/tensor/tensor.ts'),
    e('src/tensor/creation.ts', 'src/backend/index.ts'),
    e('src/backend/native/index.ts', 'src/io/node-sync.ts'),
  ];
  const found = unitCycles(cycle);
  assert.equal(found.length, 1);
  assert.match(found[0], /^cycle between backend, io, tensor: /);
  assert.match(found[0], /backend -> io \(src\/backend\/native\/index\.ts:1\)/);
  assert.deepEqual(
    unitCycles([...cycle.slice(0, 2), { ...cycle[2], typeOnly: true }]),
    [],
    'a type-only import cannot close a cycle',
  );
  const bundle = [
    e('src/index.ts', 'src/io/index.ts'),
    { ...e('src/io/index.ts', ''), specifier: 'node:fs', target: undefined },
    { ...e('src/io/index.ts', ''), specifier: 'node:path', target: undefined, dynamic: true },
    { ...e('src/cli/main.ts', ''), specifier: 'node:util', target: undefined },
  ];
  assert.deepEqual(nodeImportsInBrowserCode(bundle), [
    "src/io/index.ts:1 imports 'node:fs' statically (load it through src/platform.ts: nodeBuiltin/requireNode)",
  ]);
  assert.equal(
    envReadsOutsidePlatform([{ file: 'src/a.ts', text: 'const x = process.env.CONVKIT_THREADS;' }]).length,
    1,
  );
  assert.equal(envReadsOutsidePlatform([{ file: 'src/a.ts', text: 'const x = proc?.env?.["X"];' }]).length, 1);
  assert.deepEqual(
    envReadsOutsidePlatform([
      { file: 'src/a.ts', text: ['// process.env.X in a comment', 'const s = `process.env.Y $' + '{1}`;'].join('\n') },
    ]),
    [],
  );
  assert.equal(
    envReadsOutsidePlatform([
      { file: 'src/a.ts', text: "const n = typeof process !== 'undefined' && !!process.versions.node;" },
    ]).length,
    2,
  );
  assert.equal(
    envReadsOutsidePlatform([{ file: 'src/a.ts', text: "const w = typeof window !== 'undefined';" }]).length,
    1,
  );
});

test('src/ has a parseable import graph', () => {
  assert.ok(files.length > 50, `only ${files.length} files under src/`);
  const unresolved = edges.filter((e) => e.specifier.startsWith('.') && !files.some((f) => f.file === e.target));
  assert.deepEqual(
    unresolved.map((e) => `${e.file}:${e.line} '${e.specifier}'`),
    [],
    'relative imports that name no source file',
  );
  assert.ok(unitEdges(edges).has('nn -> tensor'), 'the layers import each other as expected');
});

test('no forbidden import edge between the folders of src/ (backend -> io/nn/train, tensor -> nn, anything -> cli, ...)', () => {
  assert.deepEqual(forbiddenEdges(edges), []);
});

test('no import cycle between the folders of src/', () => {
  assert.deepEqual(unitCycles(edges), []);
});

test('code a browser bundle of src/index.ts includes has no static node: import', () => {
  assert.ok(staticallyReachable('src/index.ts', edges).size > 50, 'src/index.ts reaches most of the library');
  assert.deepEqual(nodeImportsInBrowserCode(edges), []);
});

test('src/index.ts bundles for browsers (esbuild, platform browser, ESM, no externals): no Node built-in is needed', async () => {
  const esbuild = await import('esbuild');
  const r = await esbuild
    .build({
      entryPoints: [join(srcDir, 'index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    })
    .catch((e: BuildFailure) => assert.fail(`bundling failed:\n${messages(e.errors)}`));
  assert.deepEqual(messages(r.warnings), '', 'no warnings');
  const code = new TextDecoder().decode(r.outputFiles[0].contents);
  assert.ok(code.length > 100_000, 'the bundle holds the library');
  assert.doesNotMatch(code, /\bfrom\s*["']node:/, 'no static node: import left in the bundle');
});

interface BuildMessage {
  text: string;
  location?: { file: string; line: number } | null;
}
type BuildFailure = { errors?: BuildMessage[] };
/** esbuild's messages, one line each ('' when none). */
function messages(list: readonly BuildMessage[] | undefined): string {
  return (list ?? []).map((x) => `${x.location?.file}:${x.location?.line}: ${x.text}`).join('\n');
}

/** A throwaway app folder whose node_modules/convkit is this package (as `npm install` would link it). */
function appWithPackage(): string {
  const app = mkdtempSync(join(tmpdir(), 'convkit-app-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'convkit'), 'dir');
  return app;
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  browser: Record<string, string>;
  sideEffects: unknown;
  files: string[];
};

test("package.json: exports '.' has types/browser/node/default, the subpaths and the browser field name built files", () => {
  const dot = pkg.exports['.'] as Record<string, string>;
  assert.deepEqual(Object.keys(dot), ['types', 'browser', 'node', 'default'], "'types' first, 'default' last");
  const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)));
  targets.push(...Object.keys(pkg.browser), ...Object.values(pkg.browser));
  const missing = targets.filter((t) => !existsSync(join(root, t)));
  assert.deepEqual(missing, [], 'targets that do not exist (run npm run build)');
  for (const t of targets)
    assert.ok(
      pkg.files.some((f) => t.replace(/^\.\//, '').startsWith(f)) || t === './package.json',
      `${t} is not in package.json files: it would not be published`,
    );
  assert.ok(Array.isArray(pkg.sideEffects), 'sideEffects lists the files with side effects');
  assert.ok('./wasm/convkit.wasm' in pkg.exports && './bundle' in pkg.exports && './node' in pkg.exports);
});

/** Where a pattern occurs in generated code, with some context ('' when it does not). */
function occurrence(code: string, re: RegExp): string {
  const m = re.exec(code);
  return m ? `...${code.slice(Math.max(0, m.index - 80), m.index + 80)}...` : '';
}

type Inputs = Record<string, { format?: string; imports: { path: string; external?: boolean }[] }>;

/**
 * `esbuild app.js --bundle --platform=browser` with no other option (iife, as on the command
 * line) of an app that imports the package through its exports, as a web developer would.
 */
async function bundleApp(code: string): Promise<{ js: string; warnings: string; inputs: Inputs }> {
  const esbuild = await import('esbuild');
  const app = appWithPackage();
  try {
    writeFileSync(join(app, 'app.js'), code);
    const r = await esbuild
      .build({
        entryPoints: [join(app, 'app.js')],
        bundle: true,
        platform: 'browser',
        write: false,
        logLevel: 'silent',
        metafile: true,
        absWorkingDir: app,
      })
      .catch((e: BuildFailure) => assert.fail(`bundling failed:\n${messages(e.errors)}`));
    assert.equal(r.errors.length, 0);
    return {
      js: new TextDecoder().decode(r.outputFiles[0].contents),
      warnings: messages(r.warnings),
      inputs: r.metafile.inputs as Inputs,
    };
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}

const APP = `import * as ck from 'convkit';
globalThis.__result = (async () => {
  const x = ck.randn([64, 64]);
  const y = ck.matmul(x, x).sum().item();
  const backend = ck.getBackend().name;
  const pretrained = String(ck.models.pretrainedUrl('lenet5'));
  const errors = [];
  for (const f of [() => ck.data.loadMnist(), () => ck.io.loadSafetensors('w.safetensors'), () => ck.train.loadWeights(new ck.nn.Linear(2, 2), 'w.safetensors')])
    errors.push(await f().then(() => 'no error', (e) => e.message));
  return { backend, finite: Number.isFinite(y), pretrained, errors, threads: (await ck.ready()).threads };
})();`;

test("the package's browser graph: esbuild --bundle --platform=browser, default settings, no externals: no error, no warning, no node: import, no CommonJS", async () => {
  const { js, warnings, inputs } = await bundleApp(APP);
  assert.equal(warnings, '', 'no warnings');
  assert.equal(occurrence(js, /\bimport\.meta\b/), '', 'import.meta in the bundle (empty in iife)');
  const nodeImports = Object.entries(inputs).flatMap(([f, v]) =>
    v.imports.filter((i) => i.path.startsWith('node:') || i.external).map((i) => `${f} imports ${i.path}`),
  );
  assert.deepEqual(nodeImports, [], 'node: or external imports in the browser graph');
  const cjs = Object.entries(inputs)
    .filter(([, v]) => v.format === 'cjs')
    .map(([k]) => k);
  assert.deepEqual(cjs, [], 'CommonJS modules in the browser graph');
  const names = Object.keys(inputs);
  assert.ok(
    names.some((f) => f.endsWith('platform-files.browser.js')) && !names.some((f) => f.endsWith('platform-files.js')),
    "package.json's browser field swaps platform-files.js for platform-files.browser.js",
  );
});

test("the esbuild browser bundle runs with no Node (no process): wasm starts by itself, Node-only calls give convkit's own error", async () => {
  const { js } = await bundleApp(APP);
  // a bare context: no process, no require, no Worker (as a page without worker support)
  const ctx = createContext({ console, atob, performance, setTimeout, clearTimeout, URL, TextDecoder, TextEncoder });
  runInContext(js, ctx, { filename: 'app-bundle.js' });
  const r = (await (ctx as { __result: Promise<unknown> }).__result) as {
    backend: string;
    finite: boolean;
    pretrained: string;
    errors: string[];
    threads: number;
  };
  assert.equal(r.backend, 'wasm', 'the wasm backend started without initWasmBackend()');
  assert.ok(r.finite);
  assert.equal(r.threads, 1, 'no Worker here: one thread');
  assert.equal(r.pretrained, 'file:///weights/lenet5-mnist.safetensors', 'package files are relative to the page');
  assert.equal(
    r.errors[0],
    "loadMnist needs Node's file system; in a browser use data.mnistFromBytes(images, labels) on fetched bytes or a File",
  );
  assert.equal(
    r.errors[1],
    "loadSafetensors needs Node's file system; in a browser use io.deserializeSafetensors(bytes) on fetched bytes or a File",
  );
  assert.equal(
    r.errors[2],
    "loadWeights needs Node's file system; in a browser use io.fetchWeights(url, { model }) or io.loadFromIndexedDB(name, { model })",
  );
});

test("where wasm cannot start (no WebAssembly), the bundle runs on 'js', one console warning says why and backendFailure('wasm') gives the reason", async () => {
  const { js } = await bundleApp(`import * as ck from 'convkit';
    const a = ck.getBackend().name;
    ck.tensor([1, 2]).sum();
    globalThis.__result = { a, b: ck.getBackend().name, why: ck.backendFailure('wasm') };`);
  const warnings: string[] = [];
  const quiet = { log() {}, warn: (...a: unknown[]) => warnings.push(a.join(' ')), error() {} };
  const ctx = createContext({
    console: quiet,
    atob,
    performance,
    setTimeout,
    clearTimeout,
    URL,
    TextDecoder,
    TextEncoder,
  });
  runInContext('delete globalThis.WebAssembly;', ctx);
  runInContext(js, ctx, { filename: 'app-bundle.js' });
  const r = (ctx as { __result: { a: string; b: string; why: string } }).__result;
  assert.equal(r.a, 'js');
  assert.equal(r.b, 'js');
  assert.equal(r.why, 'wasm backend: WebAssembly is not available');
  assert.deepEqual(warnings, [
    "convkit: warning: the wasm backend could not start (wasm backend: WebAssembly is not available); using the slower 'js' backend (backendFailure('wasm') gives the reason)",
  ]);
});

test('the ready-made bundle (convkit/bundle) is one ES module with the same exports as the package, no import.meta', async () => {
  const file = join(root, (pkg.exports['./bundle'] as Record<string, string>).default);
  assert.ok(existsSync(file), `${file} is missing: run npm run build`);
  const code = readFileSync(file, 'utf8');
  assert.equal(occurrence(code, /\bimport\.meta\b/), '', 'import.meta in the bundle');
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  assert.deepEqual(Object.keys(r.metafile.inputs).length, 1, 'it imports nothing: one file to serve');
  const bundle = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const lib = (await import(pathToFileURL(join(root, 'dist/index.js')).href)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(bundle).sort(), Object.keys(lib).sort());
});

test('environment variables are read, and the runtime detected, only in src/platform.ts', () => {
  assert.deepEqual(envReadsOutsidePlatform(files), []);
});
