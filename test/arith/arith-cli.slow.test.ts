/**
 * `convkit arith` as a user runs it (spawned through tsx): formulas filled in, the --model
 * table with receptive fields and MACs, JSON, and one-line usage errors with exit code 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, 'arith', ...args], {
    encoding: 'utf8',
    timeout: 180_000,
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('convkit arith conv/pool/convt print the formula with the numbers filled in', () => {
  const r = cli('conv', '--input', '32', '--kernel', '5', '--stride', '1', '--padding', 'same', '--dilation', '2');
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^out = floor\(\(n \+ 2\*p - d\*\(k-1\) - 1\)\/s\) \+ 1 = floor\(\(32 \+ 2\*4 - 2\*\(5-1\) - 1\)\/1\) \+ 1 = floor\(31\/1\) \+ 1 = 32$/m,
  );
  assert.match(r.stdout, /effective kernel d\*\(k-1\) \+ 1 = 2\*\(5-1\) \+ 1 = 9/);
  assert.match(r.stdout, /^output: 32 x 32$/m);
  const p = cli('conv', '--input', '32', '--kernel', '5', '--in-channels', '3', '--out-channels', '10');
  assert.match(p.stdout, /^params = \(k\*k\*Cin \+ 1\)\*Cout = \(5\*5\*3 \+ 1\)\*10 = 760$/m);
  assert.match(p.stdout, /^output: 10 x 28 x 28; MACs per sample = 588,000$/m);
  const full = cli('conv', '--input', '28', '--kernel', '5', '--padding', 'full');
  assert.match(full.stdout, /= floor\(\(28 \+ 2\*4 - 1\*\(5-1\) - 1\)\/1\) \+ 1 = floor\(31\/1\) \+ 1 = 32$/m);
  const odd = cli('conv', '--input', '7', '--kernel', '3', '--stride', '3');
  assert.match(
    odd.stdout,
    /note: 4 is not a multiple of the stride 3: the last 1 cell\(s\) of the padded input fall outside every window/,
  );
  const pool = cli('pool', '--input', '28', '--kernel', '2');
  assert.match(pool.stdout, /floor\(26\/2\) \+ 1 = 14$/m);
  const t = cli('convt', '--input', '4', '--kernel', '4', '--stride', '2', '--padding', '1', '--json');
  assert.equal(t.status, 0, t.stderr);
  const j = JSON.parse(t.stdout) as { layer: string; outputShape: number[] };
  assert.equal(j.layer, 'convt');
  assert.deepEqual(j.outputShape, [8, 8]);
});

test('convkit arith --model lenet5 prints the per-layer table, formulas, RF and MACs', () => {
  const r = cli('--model', 'lenet5');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^5 \(MaxPool2d\) +16 +4 +5\.5 +0 /m);
  assert.match(r.stdout, /Total MACs: 416,520 /);
  assert.match(r.stdout, /^ {2}params = \(5\*5\*6 \+ 1\)\*16 = 2416$/m);
  assert.match(r.stdout, /^3 \(Conv2d\): \[1, 6, 14, 14\] -> \[1, 16, 10, 10\]$/m);
  const j = cli('--model', 'lenet5', '--json');
  const doc = JSON.parse(j.stdout) as { totalMacs: number; layers: { receptiveField: number[] | null }[] };
  assert.equal(doc.totalMacs, 416520);
  assert.deepEqual(doc.layers[5].receptiveField, [16, 16]);
});

test('convkit arith: invalid combinations are one-line usage errors (exit 2)', () => {
  const cases: [string[], RegExp][] = [
    [['conv', '--input', '32', '--kernel', '3', '--stride', '2', '--padding', 'same'], /padding 'same' needs stride 1/],
    [['conv', '--input', '3', '--kernel', '5'], /the kernel 5 .* does not fit in the padded input 3/],
    [['pool', '--input', '8', '--kernel', '2', '--padding', 'same'], /--padding same is for conv only/],
    [
      ['convt', '--input', '4', '--kernel', '3', '--stride', '2', '--output-padding', '2'],
      /outputPadding 2 must be smaller/,
    ],
    [['conv', '--input', '32'], /conv needs --input and --kernel/],
    [['conv', '--input', 'abc', '--kernel', '3'], /--input must be a positive integer or two of them/],
    [['blur', '--input', '3', '--kernel', '1'], /unknown layer kind 'blur'/],
    [['--model', 'nope'], /nope/],
  ];
  for (const [args, re] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
