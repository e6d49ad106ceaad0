// Training histories in every form convkit writes (fit's History, CSVLogger, JSONLogger, the
// CLI's --json records) read back to the same per-epoch values by plot.parseHistory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linear } from '../../src/nn/layers/linear.js';
import { manualSeed } from '../../src/tensor/random.js';
import { fit } from '../../src/train/fit.js';
import { CSVLogger } from '../../src/train/csv-logger.js';
import { JSONLogger } from '../../src/train/json-logger.js';
import { bestEpoch, parseHistory, toHistoryData } from '../../src/plot/history.js';
import { blobs } from '../train/synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'convkit-plot-history-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a real fit(): History, CSVLogger CSV and JSONLogger lines parse to the same epochs and values', async () => {
  manualSeed(3);
  const model = new Linear(4, 3);
  const csv = join(dir, 'h.csv');
  const jsonl = join(dir, 'h.jsonl');
  const history = await fit(model, blobs(60), {
    epochs: 3,
    batchSize: 16,
    metrics: ['accuracy'],
    validation: { fraction: 0.25 },
    callbacks: [new CSVLogger(csv), new JSONLogger(jsonl)],
    verbose: 0,
  });
  const fromHistory = toHistoryData(history);
  assert.deepEqual(fromHistory.epoch, [1, 2, 3], 'epochs count from 1 on the plots');
  for (const k of ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'lr'])
    assert.equal(fromHistory.metrics[k].length, 3, k);
  for (const [name, text] of [
    ['csv', readFileSync(csv, 'utf8')],
    ['jsonl', readFileSync(jsonl, 'utf8')],
    ['toJSON', JSON.stringify(history.toJSON())],
  ] as const) {
    const h = parseHistory(text, name);
    assert.deepEqual(h.epoch, [1, 2, 3], name);
    for (const k of ['loss', 'accuracy', 'valLoss', 'valAccuracy'])
      h.metrics[k].forEach((v, i) => assert.ok(Math.abs(v - fromHistory.metrics[k][i]) < 1e-6, `${name} ${k}[${i}]`));
  }
});

test("`convkit train --json` records (1-based epochs, trainLoss/trainAccuracy) map to fit's names", () => {
  const text = [
    '{"epoch":1,"trainLoss":0.9,"trainAccuracy":0.7,"valLoss":0.8,"valAccuracy":0.72,"testLoss":null,"testAccuracy":null,"imagesPerSec":1000,"seconds":2}',
    '{"epoch":2,"trainLoss":0.5,"trainAccuracy":0.85,"valLoss":0.6,"valAccuracy":0.8,"testLoss":null,"testAccuracy":null,"imagesPerSec":1100,"seconds":2}',
    '{"epoch":3,"trainLoss":0.4,"trainAccuracy":0.9,"valLoss":0.65,"valAccuracy":0.79,"testLoss":null,"testAccuracy":null,"imagesPerSec":1100,"seconds":2}',
  ].join('\n');
  const h = parseHistory(text);
  assert.deepEqual(h.epoch, [1, 2, 3]);
  assert.deepEqual(h.metrics.loss, [0.9, 0.5, 0.4]);
  assert.deepEqual(h.metrics.accuracy, [0.7, 0.85, 0.9]);
  assert.ok(h.metrics.testLoss.every(Number.isNaN), 'null is a gap');
  assert.equal(bestEpoch(h, 'valLoss'), 2);
  assert.equal(bestEpoch(h, 'valAccuracy'), 2);
  assert.equal(bestEpoch(h, 'nothing'), null);
});

test('malformed histories get errors naming the file and the line or field', () => {
  assert.throws(() => parseHistory('', 'h.csv'), /h\.csv: the file is empty/);
  assert.throws(
    () => parseHistory('step,loss\n1,2\n', 'h.csv'),
    /h\.csv: not a history.*'epoch' column first \(got 'step'\)/,
  );
  assert.throws(() => parseHistory('epoch,loss\n0,0.5\n1\n', 'h.csv'), /h\.csv: line 3 has 1 fields, the header 2/);
  assert.throws(() => parseHistory('epoch,loss\n0,abc\n', 'h.csv'), /line 2, column 'loss': 'abc' is not a number/);
  assert.throws(
    () => parseHistory('{"epoch":0,"loss":1}\n{oops\n', 'h.jsonl'),
    /h\.jsonl: line 2 is not a JSON object/,
  );
  assert.throws(
    () => parseHistory('{"epoch":[0,1],"history":{"loss":[1]}}', 'h.json'),
    /h\.json: history\.loss must be 2 numbers/,
  );
  assert.throws(() => parseHistory('[{"loss":1}]', 'h.json'), /h\.json: row 1 has no integer 'epoch'/);
});
