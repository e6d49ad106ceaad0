import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBreastCancer } from '../../src/data/index.js';
import { parseCsv, parseCsvRecords } from '../../src/data/csv.js';
import { parseSklearnCsv, BREAST_CANCER_FEATURES } from '../../src/data/breast-cancer.js';

test('parseCsv: quotes, escaped quotes, embedded newlines, CRLF, blank lines', () => {
  assert.deepEqual(parseCsv('a,b,c\n1,2,3\n'), [
    ['a', 'b', 'c'],
    ['1', '2', '3'],
  ]);
  assert.deepEqual(parseCsv('x,"he said ""hi""","a,b"\r\n"multi\nline",,""'), [
    ['x', 'he said "hi"', 'a,b'],
    ['multi\nline', '', ''],
  ]);
  assert.deepEqual(parseCsv('\ufeffa;b\n\n1;2', { delimiter: ';' }), [
    ['a', 'b'],
    ['1', '2'],
  ]);
  assert.deepEqual(
    parseCsvRecords('"a\nb",1\n\nc,2').map((r) => r.line),
    [1, 4],
  );
});

test('parseCsv: malformed input names the line and field', () => {
  assert.throws(
    () => parseCsv('a,b\n1,2\n3\n', { name: 'data.csv' }),
    /parseCsv: data.csv line 3: row has 1 fields but the first row has 2/,
  );
  assert.throws(() => parseCsv('a,b\n1,"open\n'), /line 2: unterminated quoted field \(field 2\)/);
  assert.throws(() => parseCsv('a,"b"c'), /line 1: unexpected "c" after a closing quote \(field 2\)/);
  assert.throws(() => parseCsv('ab"c,d'), /line 1: a quote inside the unquoted field "ab" \(field 1\)/);
});

test('parseSklearnCsv validates the header, row widths, numbers and targets', () => {
  const t = parseSklearnCsv('2,2,no,yes\n1.5,2,0\n3,4e1,1\n', 'tiny.csv');
  assert.deepEqual(Array.from(t.x), [1.5, 2, 3, 40]);
  assert.deepEqual(Array.from(t.y), [0, 1]);
  assert.deepEqual(t.classNames, ['no', 'yes']);
  assert.throws(
    () => parseSklearnCsv('3,2,no,yes\n1,2,0\n3,4,1\n', 'tiny.csv'),
    /tiny.csv: header declares 3 samples but the file has 2 data rows/,
  );
  assert.throws(
    () => parseSklearnCsv('2,2,no,yes\n1,2,0\n3,1\n', 'tiny.csv'),
    /tiny.csv line 3: expected 3 columns \(2 features and the target\), got 2/,
  );
  assert.throws(
    () => parseSklearnCsv('2,2,no,yes\n1,abc,0\n3,4,1\n', 'tiny.csv'),
    /tiny.csv line 2, column 2: "abc" is not a number/,
  );
  assert.throws(
    () => parseSklearnCsv('2,2,no,yes\n1,2,0\n3,4,2\n', 'tiny.csv'),
    /line 3, column 3: target 2 is not a class index in \[0, 2\)/,
  );
  assert.throws(() => parseSklearnCsv('x,2,no,yes\n', 'tiny.csv'), /line 1, column 1: "x" is not a number/);
});

test('loadBreastCancer: shipped CSV, seeded stratified split, train-statistics standardisation', async () => {
  const raw = await loadBreastCancer({ standardize: false, testFraction: 0.2, seed: 0 });
  assert.equal(raw.train.length + raw.test.length, 569);
  assert.deepEqual(raw.classNames, ['malignant', 'benign']);
  assert.equal(raw.featureNames.length, 30);
  assert.equal(raw.featureNames[0], 'mean radius');
  assert.equal(BREAST_CANCER_FEATURES[29], 'worst fractal dimension');
  assert.deepEqual(raw.train.x.shape, [456, 30]);
  // Stratified: round(212 * 0.2) = 42 malignant and round(357 * 0.2) = 71 benign test samples.
  const count = (y: ArrayLike<number>, c: number): number => Array.from(y).filter((v) => v === c).length;
  assert.equal(count(raw.test.y.data, 0), 42);
  assert.equal(count(raw.test.y.data, 1), 71);
  // The file's first sample (17.99, 10.38, ..., malignant) is somewhere in the split, unchanged.
  const rows = [raw.train, raw.test].flatMap((d) => Array.from({ length: d.length }, (_, i) => d.get(i)));
  const first = rows.find((s) => Math.abs(s.x.data[0] - 17.99) < 1e-4 && Math.abs(s.x.data[1] - 10.38) < 1e-4);
  assert.ok(first && first.y === 0 && Math.abs(first.x.data[3] - 1001) < 1e-3);
  const std = await loadBreastCancer({ seed: 0 });
  assert.ok(std.stats);
  const tx = std.train.x.f32;
  for (const c of [0, 3, 29]) {
    let s = 0,
      s2 = 0;
    for (let r = 0; r < 456; r++) {
      s += tx[r * 30 + c];
      s2 += tx[r * 30 + c] ** 2;
    }
    assert.ok(Math.abs(s / 456) < 1e-4, `feature ${c} train mean ${s / 456}`);
    assert.ok(Math.abs(s2 / 456 - 1) < 1e-3, `feature ${c} train variance ${s2 / 456}`);
  }
  // Same seed, same split; another seed, another split.
  const again = await loadBreastCancer({ seed: 0 });
  assert.deepEqual(Array.from(again.test.x.f32.subarray(0, 60)), Array.from(std.test.x.f32.subarray(0, 60)));
  const other = await loadBreastCancer({ seed: 1 });
  assert.notDeepEqual(Array.from(other.test.x.f32.subarray(0, 60)), Array.from(std.test.x.f32.subarray(0, 60)));
  await assert.rejects(loadBreastCancer({ testFraction: 1 }), /testFraction must be in \[0, 1\), got 1/);
});

test('loadBreastCancer reports a broken CSV file by name and line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-csv-'));
  try {
    const path = join(dir, 'broken.csv');
    writeFileSync(path, '2,2,a,b\n1,2,0\n1,2,"0\n');
    await assert.rejects(loadBreastCancer({ path }), /broken.csv line 3: unterminated quoted field/);
    await assert.rejects(loadBreastCancer({ path: join(dir, 'nope.csv') }), /loadBreastCancer: cannot read .*nope.csv/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('csvNumber: only decimal numbers; hex, binary, Infinity and NaN are refused naming file, line and column', () => {
  assert.deepEqual(
    Array.from(parseSklearnCsv('2,2,no,yes\n -1.5 ,.5,0\n3e-1,+4.,1\n', 'tiny.csv').x),
    [-1.5, 0.5, 0.30000001192092896, 4],
  );
  for (const bad of [' 0x1F ', '0b11', '0o7', 'Infinity', '-Infinity', 'NaN', '1_000', '1e', '.', '']) {
    assert.throws(
      () => parseSklearnCsv(`2,2,no,yes\n1,2,0\n3,${bad},1\n`, 'tiny.csv'),
      new RegExp(
        `tiny.csv line 3, column 2: ${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a number \\(only decimal`,
      ),
      bad,
    );
  }
});
