// Tensors print like PyTorch's, checked against torch itself (needs /usr/bin/python3 with torch;
// Debian: apt install python3-torch): the committed fixture test/fixtures/print/cases.json is what
// scripts/gen-print-fixtures.py writes now, and 400 random tensors (ranks 0-4, magnitudes from
// 1e-7 to 1e10, NaN/Inf/-0, int32, grad suffixes, random print options) print as torch prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, setPrintOptions } from '../../src/index.js';
import type { SetPrintOptions } from '../../src/tensor/format.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../scripts/gen-print-fixtures.py', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/print/cases.json', import.meta.url));

function python(args: string[], input?: string): string {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing: install python3-torch (apt)`);
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { input, encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `python3 with torch is needed (apt install python3-torch):\n${r.stderr}`);
  return r.stdout;
}

test('the committed print fixture is what scripts/gen-print-fixtures.py writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-print-'));
  try {
    const out = join(dir, 'cases.json');
    python(['--out', out]);
    const cases = (file: string): unknown => (JSON.parse(readFileSync(file, 'utf8')) as { cases: unknown }).cases;
    assert.deepEqual(cases(FIXTURE), cases(out), 'run /usr/bin/python3 scripts/gen-print-fixtures.py');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface RandomCase {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: (number | string)[];
  requiresGrad: boolean;
  op: 'mul2' | 'add1' | null;
  options: SetPrintOptions;
}

/** mulberry32: a small seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCase(r: () => number): RandomCase {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const rank = pick([0, 1, 1, 2, 2, 2, 3, 3, 4]);
  const big = r() < 0.15; // past the summarising threshold
  const shape = Array.from({ length: rank }, () => (big ? 3 + Math.floor(r() * 14) : Math.floor(r() * 6)));
  if (big && rank === 1) shape[0] = 1000 + Math.floor(r() * 500);
  const n = shape.reduce((a, b) => a * b, 1);
  const int = r() < 0.2;
  const scale = 10 ** pick([-7, -5, -3, -1, 0, 0, 0, 1, 2, 4, 6, 9]);
  const integral = r() < 0.25;
  const special = r() < 0.2;
  const data: (number | string)[] = [];
  for (let i = 0; i < n; i++) {
    if (int) {
      data.push(Math.round((r() - 0.5) * pick([10, 1000, 2e9])) || 0);
      continue;
    }
    let v = (r() - 0.5) * 2 * scale * (r() < 0.1 ? 1000 : 1);
    if (integral) v = Math.round(v);
    if (r() < 0.1) v = 0;
    v = Math.fround(v);
    if (special && r() < 0.15) data.push(pick(['nan', 'inf', '-inf', '-0']));
    else data.push(Object.is(v, -0) ? '-0' : v); // JSON would send -0 as 0
  }
  const options: SetPrintOptions = {};
  if (r() < 0.3) options.precision = Math.floor(r() * 9);
  if (r() < 0.2) options.sciMode = r() < 0.5;
  if (r() < 0.2) options.lineWidth = 20 + Math.floor(r() * 100);
  if (r() < 0.15) options.threshold = Math.floor(r() * 60);
  if (r() < 0.15) options.edgeItems = 1 + Math.floor(r() * 4);
  if (r() < 0.05) options.profile = pick(['short', 'full'] as const);
  const requiresGrad = !int && r() < 0.2;
  const op = requiresGrad && r() < 0.5 ? pick(['mul2', 'add1'] as const) : null;
  return { dtype: int ? 'int32' : 'float32', shape, data, requiresGrad, op, options };
}

function convkitPrint(c: RandomCase): string {
  const values = c.data.map((v) =>
    typeof v === 'number' ? v : ({ nan: NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 } as Record<string, number>)[v],
  );
  let t = new Tensor(c.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values), c.shape);
  if (c.requiresGrad) t.requiresGrad_(true);
  if (c.op === 'mul2') t = t.mul(2);
  else if (c.op === 'add1') t = t.add(1);
  setPrintOptions(c.options);
  try {
    return String(t);
  } finally {
    setPrintOptions({ profile: 'default' });
  }
}

test('400 random tensors print as torch prints them', () => {
  const r = rng(20261202);
  const cases = Array.from({ length: 400 }, () => randomCase(r));
  const expected = JSON.parse(python(['--stdin'], JSON.stringify({ cases }))) as string[];
  assert.equal(expected.length, cases.length);
  const wrong = cases
    .map((c, i) => ({ c, got: convkitPrint(c), want: expected[i] }))
    .filter((x) => x.got !== x.want)
    .slice(0, 3)
    .map((x) => `${JSON.stringify({ ...x.c, data: x.c.data.slice(0, 20) })}\nconvkit:\n${x.got}\ntorch:\n${x.want}`);
  assert.deepEqual(wrong, []);
});
