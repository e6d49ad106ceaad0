// fit's progress output where there is no `process` (a web page): the onProgress option,
// LambdaCallback, and verbose: 1 falling back to console.log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlp } from '../../src/models/mlp.js';
import { SGD } from '../../src/optim/sgd.js';
import { fit } from '../../src/train/fit.js';
import { LambdaCallback, type FitProgress } from '../../src/train/lambda-callback.js';
import { consoleSink, ProgressBar } from '../../src/train/progress-bar.js';
import { blobs } from './synthetic.js';

/** Runs fn while globalThis.process is undefined, as in a browser page (restored afterwards). */
function withoutProcess<T>(fn: () => T): T {
  const desc = Object.getOwnPropertyDescriptor(globalThis, 'process');
  assert.ok(desc, 'globalThis.process has a property descriptor');
  Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    Object.defineProperty(globalThis, 'process', desc);
  }
}

test('onProgress reports every batch and each epoch end, with a fraction that reaches 1', async () => {
  const model = mlp({ inputSize: 4, hidden: [4], numClasses: 3 });
  const seen: FitProgress[] = [];
  const history = await fit(model, blobs(40), {
    epochs: 2,
    batchSize: 10,
    optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    verbose: 0,
    onProgress: (p) => seen.push(p),
  });
  assert.equal(seen.length, 2 * (4 + 1));
  assert.deepEqual(
    seen.map((p) => [p.epoch, p.step, p.epochEnd]),
    [
      [0, 1, false],
      [0, 2, false],
      [0, 3, false],
      [0, 4, false],
      [0, 4, true],
      [1, 1, false],
      [1, 2, false],
      [1, 3, false],
      [1, 4, false],
      [1, 4, true],
    ],
  );
  assert.deepEqual(
    seen.map((p) => p.fraction),
    [0.125, 0.25, 0.375, 0.5, 0.5, 0.625, 0.75, 0.875, 1, 1],
  );
  for (const p of seen) {
    assert.equal(p.epochs, 2);
    assert.equal(p.steps, 4);
    assert.ok(Number.isFinite(p.logs.loss) && p.imagesPerSec > 0, JSON.stringify(p));
  }
  // the epoch-end report carries the epoch's logs as History recorded them
  assert.equal(seen[4].logs.loss, history.get('loss')[0]);
  assert.equal(seen[9].logs.accuracy, history.get('accuracy')[1]);
});

test('onProgress that is not a function is refused, naming the option', async () => {
  const model = mlp({ inputSize: 4, hidden: [4], numClasses: 3 });
  await assert.rejects(
    fit(model, blobs(8), { verbose: 0, onProgress: 'yes' as unknown as () => void }),
    /fit: onProgress must be a function, got string/,
  );
});

test('LambdaCallback calls the given functions with fit hooks', async () => {
  const model = mlp({ inputSize: 4, hidden: [4], numClasses: 3 });
  const calls: string[] = [];
  await fit(model, blobs(20), {
    epochs: 1,
    batchSize: 10,
    verbose: 0,
    callbacks: [
      new LambdaCallback({
        onTrainBegin: () => {
          calls.push('train');
        },
        onEpochEnd: (e, logs) => {
          calls.push(`epoch ${e} ${typeof logs.loss}`);
        },
        onBatchEnd: (b) => {
          calls.push(`batch ${b}`);
        },
      }),
    ],
  });
  assert.deepEqual(calls, ['train', 'batch 0', 'batch 1', 'epoch 0 number']);
  assert.throws(
    () => new LambdaCallback({ onBatchEnd: 3 as unknown as () => void }),
    /LambdaCallback: onBatchEnd must be a function, got number/,
  );
});

test('consoleSink logs whole lines and keeps a partial line until its newline', () => {
  const lines: string[] = [];
  const sink = consoleSink((l) => lines.push(l));
  sink.write('Epoch 1/2 a');
  assert.deepEqual(lines, []);
  sink.write('b\nEpoch 2/2\nrest');
  assert.deepEqual(lines, ['Epoch 1/2 ab', 'Epoch 2/2']);
  assert.equal(sink.isTTY, false);
});

test('verbose: 1 with no process (a browser page) prints one plain console line per epoch', async () => {
  const model = mlp({ inputSize: 4, hidden: [4], numClasses: 3 });
  const logged: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void logged.push(a.join(' '));
  try {
    const bar = withoutProcess(() => new ProgressBar());
    await fit(model, blobs(40), {
      epochs: 2,
      batchSize: 10,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      verbose: 0,
      callbacks: [bar],
    });
  } finally {
    console.log = log;
  }
  assert.equal(logged.length, 2, logged.join('\n'));
  assert.match(logged[0], /^Epoch 1\/2 \d+s {2}loss \d\.\d{4} {2}accuracy \d\.\d{4}.* \d+ img\/s$/);
  assert.match(logged[1], /^Epoch 2\/2 /);
  for (const l of logged)
    assert.ok(!l.includes('\x1b') && !l.includes('\r'), `no terminal codes: ${JSON.stringify(l)}`);
});
