import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlp } from '../../src/models/mlp.js';
import { SGD } from '../../src/optim/sgd.js';
import { ReduceLROnPlateau, StepLR } from '../../src/optim/lr-scheduler.js';
import { fit } from '../../src/train/fit.js';
import { Callback, type Logs } from '../../src/train/callback.js';
import { LRSchedulerCallback } from '../../src/train/lr-scheduler-callback.js';
import { CSVLogger } from '../../src/train/csv-logger.js';
import { JSONLogger } from '../../src/train/json-logger.js';
import { EarlyStopping } from '../../src/train/early-stopping.js';
import { ProgressBar, formatDuration } from '../../src/train/progress-bar.js';
import { blobs } from './synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'convkit-cb-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Logs a scripted value as 'fake' every epoch (runs before the other callbacks). */
class Scripted extends Callback {
  constructor(private readonly values: number[]) {
    super();
    this.order = -1;
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    logs.fake = this.values[epoch];
  }
}

function small(): { model: ReturnType<typeof mlp>; opt: SGD } {
  const model = mlp({ inputSize: 4, hidden: [4], numClasses: 3 });
  return { model, opt: new SGD(model.parameters(), { lr: 0.1 }) };
}

test('LRSchedulerCallback steps per epoch and logs the rate used', async () => {
  const { model, opt } = small();
  const h = await fit(model, blobs(20), {
    epochs: 3,
    batchSize: 10,
    optimizer: opt,
    callbacks: [new LRSchedulerCallback(new StepLR(opt, 1, 0.5))],
    verbose: 0,
  });
  assert.deepEqual(h.get('lr'), [0.1, 0.05, 0.025]);
  assert.equal(opt.paramGroups[0].lr, 0.0125);
});

test('LRSchedulerCallback per batch, and ReduceLROnPlateau on a monitored quantity', async () => {
  const a = small();
  await fit(a.model, blobs(20), {
    epochs: 2,
    batchSize: 5,
    optimizer: a.opt,
    callbacks: [new LRSchedulerCallback(new StepLR(a.opt, 2, 0.5), { interval: 'batch' })],
    verbose: 0,
  });
  assert.equal(a.opt.paramGroups[0].lr, 0.1 * 0.5 ** 4, '8 batch steps with stepSize 2');
  const b = small();
  const plateau = new ReduceLROnPlateau(b.opt, { patience: 0, factor: 0.5 });
  const h = await fit(b.model, blobs(20), {
    epochs: 4,
    batchSize: 10,
    optimizer: b.opt,
    callbacks: [new Scripted([1, 1, 0.5, 0.6]), new LRSchedulerCallback(plateau, { monitor: 'fake' })],
    verbose: 0,
  });
  assert.deepEqual(h.get('lr'), [0.1, 0.1, 0.05, 0.05]);
  assert.equal(b.opt.paramGroups[0].lr, 0.025);
  assert.throws(
    () => new LRSchedulerCallback(plateau, { interval: 'batch' }),
    /ReduceLROnPlateau can only be stepped per epoch/,
  );
  const c = small();
  await assert.rejects(
    fit(c.model, blobs(20), {
      epochs: 1,
      optimizer: c.opt,
      callbacks: [new LRSchedulerCallback(new ReduceLROnPlateau(c.opt), { monitor: 'nope' })],
      verbose: 0,
    }),
    /monitored quantity 'nope' is not in the logs \(logged: loss, accuracy/,
  );
});

test('EarlyStopping stops after patience epochs without improvement', async () => {
  const { model, opt } = small();
  const stop = new EarlyStopping({ monitor: 'fake', patience: 1, minDelta: 0.05 });
  const h = await fit(model, blobs(20), {
    epochs: 10,
    optimizer: opt,
    callbacks: [new Scripted([1, 0.9, 0.88, 0.5, 0.6, 0.1]), stop],
    verbose: 0,
  });
  // 0.88 improves on 0.9 by less than minDelta: no improvement -> stop at epoch 2
  assert.deepEqual(h.epoch, [0, 1, 2]);
  assert.equal(stop.stoppedEpoch, 2);
  assert.equal(stop.best, 0.9);
  // reused in a new fit(), it starts over (best 0.9 from the last run is forgotten)
  const h2 = await fit(model, blobs(20), {
    epochs: 10,
    optimizer: opt,
    callbacks: [new Scripted([2, 1.5, 1.6, 1.7]), stop],
    verbose: 0,
  });
  assert.deepEqual(h2.epoch, [0, 1, 2]);
  assert.equal(stop.best, 1.5);
  // restored from a checkpoint, it keeps counting
  stop.loadStateDict({ best: 1.0, bestEpoch: 0, wait: 0 });
  const h3 = await fit(model, blobs(20), {
    epochs: 10,
    optimizer: opt,
    callbacks: [new Scripted([1.2, 1.1]), stop],
    verbose: 0,
  });
  assert.deepEqual(h3.epoch, [0], 'no improvement on the restored best 1.0: stop at once (patience 1)');
  const noVal = new EarlyStopping();
  await assert.rejects(
    fit(model, blobs(20), { epochs: 1, optimizer: opt, callbacks: [noVal], verbose: 0 }),
    /EarlyStopping: monitored quantity 'valLoss' is not in the logs.*pass validation data/,
  );
  assert.throws(() => new EarlyStopping({ patience: -1 }), /patience must be a non-negative integer/);
  assert.throws(() => new EarlyStopping({ mode: 'up' as 'min' }), /mode must be 'min', 'max' or 'auto'/);
});

test('CSVLogger writes a header and one row per epoch', async () => {
  const { model, opt } = small();
  const path = join(dir, 'log.csv');
  const h = await fit(model, blobs(30), {
    epochs: 3,
    batchSize: 10,
    optimizer: opt,
    validation: { fraction: 0.2 },
    callbacks: [new CSVLogger(path)],
    verbose: 0,
  });
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'epoch,loss,accuracy,valLoss,valAccuracy,lr,seconds,imagesPerSec');
  assert.equal(lines.length, 4);
  lines.slice(1).forEach((line, e) => {
    const cells = line.split(',').map(Number);
    assert.equal(cells[0], e);
    assert.equal(cells[1], h.get('loss')[e]);
    assert.equal(cells[4], h.get('valAccuracy')[e]);
  });
  // append mode keeps the header and adds rows
  await fit(model, blobs(30), {
    epochs: 1,
    batchSize: 10,
    optimizer: opt,
    validation: { fraction: 0.2 },
    callbacks: [new CSVLogger(path, { append: true })],
    verbose: 0,
  });
  const again = readFileSync(path, 'utf8').trim().split('\n');
  assert.equal(again.length, 5);
  assert.equal(again[0], lines[0]);
});

test('JSONLogger writes one JSON object per epoch to a file or a stream', async () => {
  const { model, opt } = small();
  const path = join(dir, 'log.jsonl');
  const chunks: string[] = [];
  const sink = {
    write: (s: string) => {
      chunks.push(s);
      return true;
    },
  };
  const h = await fit(model, blobs(20), {
    epochs: 2,
    batchSize: 10,
    optimizer: opt,
    verbose: 0,
    callbacks: [
      new JSONLogger(path),
      new JSONLogger(sink, {
        transform: (epoch, logs) => ({ e: epoch + 1, acc: logs.accuracy, val: logs.valLoss ?? NaN }),
      }),
    ],
  });
  const rows = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);
  assert.equal(rows.length, 2);
  assert.deepEqual(Object.keys(rows[0]), ['epoch', 'loss', 'accuracy', 'lr', 'seconds', 'imagesPerSec']);
  assert.equal(rows[1].loss, h.get('loss')[1]);
  assert.deepEqual(
    chunks.map((c) => JSON.parse(c)),
    [
      { e: 1, acc: h.get('accuracy')[0], val: null },
      { e: 2, acc: h.get('accuracy')[1], val: null },
    ],
    'NaN becomes null',
  );
  assert.ok(chunks.every((c) => c.endsWith('\n') && c.indexOf('\n') === c.length - 1));
});

test('ProgressBar: plain epoch lines off a terminal, a redrawn bar on one', async () => {
  const { model, opt } = small();
  const plain: string[] = [];
  await fit(model, blobs(40), {
    epochs: 2,
    batchSize: 10,
    optimizer: opt,
    callbacks: [new ProgressBar({ stream: { write: (s: string) => plain.push(s) } })],
    verbose: 0,
  });
  assert.equal(plain.length, 2);
  assert.match(plain[0], /^Epoch 1\/2 \d+s  loss \d\.\d{4}  accuracy \d\.\d{4}  lr 1\.00e-1  \d+ img\/s\n$/);
  assert.ok(!plain.join('').includes('\r'));
  const live: string[] = [];
  await fit(model, blobs(40), {
    epochs: 1,
    batchSize: 10,
    optimizer: opt,
    callbacks: [
      new ProgressBar({
        stream: { write: (s: string) => live.push(s), isTTY: true, columns: 200 },
        intervalMs: 0,
        color: false,
      }),
    ],
    verbose: 0,
  });
  assert.equal(live.length, 5, 'one redraw per batch plus the final line');
  assert.ok(live[0].endsWith('\x1b[K'), 'a redraw ends by erasing the rest of the line');
  assert.match(
    live[0].slice(0, -3),
    /^\rEpoch 1\/1 1\/4 \[======>\.{17}\] loss \d\.\d{4}  accuracy \d\.\d{4}  \d+ img\/s  ETA \d+s$/,
  );
  assert.match(live[4], /^\rEpoch 1\/1 4\/4 \[={24}\] \d+s  loss/);
  assert.equal(formatDuration(59.4), '59s');
  assert.equal(formatDuration(185), '3m05s');
  assert.equal(formatDuration(3720), '1h02m');
});

test('EarlyStopping restoreBestWeights: stateDict carries the best weights; a state without them warns once and keeps going', async () => {
  const { model, opt } = small();
  const stop = new EarlyStopping({ monitor: 'fake', patience: 3, restoreBestWeights: true });
  await fit(model, blobs(20), {
    epochs: 3,
    optimizer: opt,
    callbacks: [new Scripted([1, 0.5, 0.7]), stop],
    verbose: 0,
  });
  const state = stop.stateDict();
  assert.deepEqual([state.bestEpoch, state.wait, state.stoppedEpoch], [1, 1, -1]);
  const best = state.bestWeights as Map<string, { data: Float32Array }>;
  assert.deepEqual([...best.keys()], [...model.stateDict().keys()]);
  assert.deepEqual(
    [...best.values()].map((t) => Array.from(t.data)),
    [...model.stateDict().values()].map((t) => Array.from(t.data)),
    'restored at the end: the model holds the best weights',
  );
  // an old checkpoint's state (counters only): warn, and restore the best epoch seen after resuming
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const resumed = new EarlyStopping({ monitor: 'fake', patience: 3, restoreBestWeights: true });
    resumed.loadStateDict({ best: 0.5, bestEpoch: 1, wait: 0 });
    resumed.loadStateDict({ best: 0.5, bestEpoch: 1, wait: 0 });
    assert.equal(resumed.bestWeights, null);
    await fit(model, blobs(20), {
      epochs: 2,
      optimizer: opt,
      callbacks: [new Scripted([0.9, 0.4]), resumed],
      verbose: 0,
    });
    assert.equal(resumed.bestEpoch, 1);
    assert.notEqual(resumed.bestWeights, null);
  } finally {
    process.stderr.write = write;
  }
  const warned = lines.filter((l) =>
    l.includes('EarlyStopping: the checkpoint holds no best weights (epoch 2 was best'),
  );
  assert.equal(warned.length, 1, lines.join(''));
});
