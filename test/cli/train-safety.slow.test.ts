// convkit train never reports success for a failed run and never replaces good work: divergence,
// bad output paths, concurrent runs, leftovers of interrupted saves, and usage mistakes, through
// the built CLI in a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { deadPid, oneLine, runCli, tempDir } from './run-cli.js';

const dir = tempDir(test.after, 'convkit-train-safety-');
const GOOD = 'good weights from an earlier run';

test('a diverging run (--lr 1e9) stops at the NaN with exit 1, names epoch and step, and keeps the old weights', () => {
  const out = join(dir, 'lenet5-mnist.safetensors');
  writeFileSync(out, GOOD);
  const r = runCli(dir, ['train', '--lr', '1e9', '--limit', '256']);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(
    r.stderr,
    /^convkit train: the (loss|gradient of '[^']+') became (NaN|-?Infinity) at epoch 1, step \d+; training diverged: lower --lr \(it is 1000000000\); nothing was saved \(lenet5-mnist\.safetensors is unchanged\)\n$/,
  );
  assert.doesNotMatch(r.stdout, /done|saved to/);
  assert.equal(readFileSync(out, 'utf8'), GOOD);
  assert.deepEqual(readdirSync(dir), ['lenet5-mnist.safetensors'], 'no lock or temporary file left behind');
});

test('--json reports a diverged run as one error record on stdout, not as an epoch of nulls', () => {
  const out = join(dir, 'div.safetensors');
  writeFileSync(out, GOOD);
  const r = runCli(dir, ['train', '--lr', '1e9', '--limit', '256', '--json', '--out', out]);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  const o = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.match(String(o.error), /became (NaN|-?Infinity) at epoch 1, step \d+; training diverged/);
  assert.equal(o.exitCode, 1);
  assert.equal(o.epoch, 1);
  assert.equal(typeof o.step, 'number');
  assert.equal(o.reason, 'non-finite');
  assert.equal(readFileSync(out, 'utf8'), GOOD);
});

test('output paths are checked before the data loads: missing directory, a directory, a file as directory', () => {
  const cases: [string[], RegExp][] = [
    [
      ['--out', 'no/such/dir/w.safetensors'],
      /^convkit train: --out no\/such\/dir\/w\.safetensors: the directory no\/such\/dir does not exist; create it first/,
    ],
    [
      ['--checkpoint', 'nodir/ck.safetensors'],
      /^convkit train: --checkpoint nodir\/ck\.safetensors: the directory nodir does not exist/,
    ],
    [['--csv', 'nodir/log.csv'], /^convkit train: --csv nodir\/log\.csv: the directory nodir does not exist/],
    [['--out', '.'], /^convkit train: --out \.: is a directory; give a file path inside it/],
  ];
  writeFileSync(join(dir, 'plainfile'), 'x');
  cases.push([
    ['--out', 'plainfile/w.safetensors'],
    /^convkit train: --out plainfile\/w\.safetensors: plainfile is not a directory/,
  ]);
  for (const [args, re] of cases) {
    const r = runCli(dir, ['train', '--limit', '64', ...args]);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.ok(oneLine(r.stderr), r.stderr);
    assert.equal(r.stdout, '', `${args.join(' ')}: nothing trained (no 'training ...' line)`);
  }
});

test('an unwritable output directory is refused before training', () => {
  const ro = join(dir, 'readonly');
  mkdirSync(ro);
  chmodSync(dir, 0o755);
  chmodSync(ro, 0o555);
  // root may write anywhere: run the CLI as 'nobody' then, so the directory's mode applies
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  try {
    const r = runCli(dir, ['train', '--limit', '64', '--out', 'readonly/w.safetensors'], asUser);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /^convkit train: --out readonly\/w\.safetensors: cannot create files in readonly \((EACCES|EPERM|EROFS)\); fix its permissions or choose another directory\n$/,
    );
    assert.equal(r.stdout, '');
  } finally {
    chmodSync(ro, 0o755);
  }
});

test("a second run on the same outputs is refused while the first holds the lock; a dead run's lock is taken over", () => {
  const out = join(dir, 'locked.safetensors');
  writeFileSync(
    `${out}.lock`,
    JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-12-02T00:00:00Z', command: 'convkit train' }),
  );
  const busy = runCli(dir, ['train', '--limit', '64', '--out', out, '--csv', join(dir, 'locked.csv')]);
  assert.equal(busy.status, 1, busy.stderr);
  assert.ok(oneLine(busy.stderr), busy.stderr);
  assert.match(
    busy.stderr,
    new RegExp(
      `--out .*locked\\.safetensors is in use by another convkit run \\(pid ${process.pid}, started 2026-12-02T00:00:00Z; lock file .*locked\\.safetensors\\.lock\\)`,
    ),
  );
  assert.ok(!existsSync(out));
  assert.ok(!existsSync(join(dir, 'locked.csv.lock')), 'a refused run releases the locks it already took');

  const gone = deadPid();
  writeFileSync(
    `${out}.lock`,
    JSON.stringify({ pid: gone, host: hostname(), started: 'earlier', command: 'convkit train' }),
  );
  const r = runCli(dir, ['train', '--limit', '64', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`note: took over the stale lock .*locked\\.safetensors\\.lock \\(pid ${gone} is gone\\)`),
  );
  assert.ok(existsSync(out));
  assert.ok(!existsSync(`${out}.lock`), 'the lock is removed when the run ends');
});

test('a save interrupted earlier (kill -9) leaves a temporary file that the next save removes', () => {
  const out = join(dir, 'tmpclean.safetensors');
  const stale = join(dir, `.tmpclean.safetensors.${deadPid()}.m3x1abc123.tmp`);
  const live = join(dir, `.tmpclean.safetensors.${process.pid}.m3x1abc456.tmp`); // a save still in progress elsewhere
  writeFileSync(stale, Buffer.alloc(4096));
  writeFileSync(live, Buffer.alloc(16));
  const r = runCli(dir, ['train', '--limit', '64', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!existsSync(stale), "the dead run's temporary file is gone");
  assert.ok(existsSync(live), "a live process's temporary file is left alone");
});

test('usage mistakes exit 2 with one line before any data loads; --epochs 0 and absurd batch sizes are refused', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--epochs', '0'], /--epochs must be an integer >= 1, got '0'/],
    [['train', '--batch-size', '1000000'], /--batch-size must be at most 4096, got 1000000/],
    [
      ['train', '--batch-size', '100', '--limit', '64'],
      /--batch-size 100 is larger than the training set \(64 samples after --limit\/--val-fraction\); use at most 64/,
    ],
    [['train', '--lr', 'fast'], /--lr must be a number, got 'fast'/],
    [['train', '--lr', '-1'], /option '--lr' needs a value; for one starting with '-' write --lr=-VALUE/],
    [['train', '--lr=-1'], /--lr must be a positive number, got -1/],
    [['train', '--optimizer', 'adagrad'], /--optimizer must be adam, adamw or sgd, got 'adagrad'/],
    [['train', '--momentum', '0.5'], /--momentum applies to --optimizer sgd only/],
    [['train', '--optimizer', 'sgd', '--momentum', '5'], /--momentum must be in \[0, 1\), got 5/],
    [['train', '--schedule', 'step'], /--schedule must be cosine or constant, got 'step'/],
    [['train', '--frobnicate'], /unknown option '--frobnicate'/],
    [['train', '--epochs'], /option '--epochs' needs a value/],
    [['train', 'extra'], /unexpected argument 'extra'/],
    [['eval', '--json=yes'], /option '--json' takes no value/],
    [['train', '--force'], /--force only applies with --resume/],
    [
      ['summary', '--model', 'alexnet', '--input-shape', '1,28,28'],
      /--model alexnet cannot take --input-shape 1,28,28: it needs \[C, H, W\] images of at least 63x63/,
    ],
    [['predict', '--weights', 'x.safetensors'], /give at least one image file \(PNG or JPEG\)/],
  ];
  for (const [args, re] of cases) {
    const r = runCli(dir, args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(oneLine(r.stderr), `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^convkit ${args[0]}: ${re.source}.* \\(see convkit ${args[0]} --help\\)\\n$`));
    assert.equal(r.stdout, '');
  }
  const j = runCli(dir, ['train', '--epochs', '0', '--json']);
  assert.equal(j.status, 2);
  assert.deepEqual(Object.keys(JSON.parse(j.stdout) as object), ['error', 'exitCode']);
});

test('a failure exits 1 with one line and no stack trace', () => {
  const r = runCli(dir, ['eval', '--weights', 'missing.safetensors']);
  assert.equal(r.status, 1);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /missing\.safetensors/);
});
