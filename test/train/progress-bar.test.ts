import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlp } from '../../src/models/mlp.js';
import { SGD } from '../../src/optim/sgd.js';
import { fit } from '../../src/train/fit.js';
import { ProgressBar } from '../../src/train/progress-bar.js';
import { blobs } from './synthetic.js';

/** The redrawn lines of a live bar on a terminal `columns` wide, escape codes removed. */
async function liveLines(columns: number): Promise<string[]> {
  const model = mlp({ inputSize: 4, hidden: [4], numClasses: 3 });
  const writes: string[] = [];
  await fit(model, blobs(40), {
    epochs: 1,
    batchSize: 10,
    optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    metrics: ['accuracy', 'top2'],
    verbose: 0,
    callbacks: [
      new ProgressBar({
        stream: { write: (s: string) => writes.push(s), isTTY: true, columns },
        intervalMs: 0,
        color: false,
      }),
    ],
  });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing the bar's carriage return and erase-line escape
  return writes.slice(0, -1).map((w) => w.replace(/^\r/, '').replace(/\x1b\[K$/, ''));
}

test('on an 80-column terminal the live bar drops logged values, never the rate or the ETA with its unit', async () => {
  const lines = await liveLines(80);
  assert.equal(lines.length, 4);
  for (const line of lines) {
    assert.ok(line.length <= 79, `${line.length} columns: ${line}`);
    assert.match(line, /^Epoch 1\/1 \d\/4 \[[=>.]{24}\] loss \d\.\d{4}.*  \d+ img\/s  ETA \d+s$/);
  }
  const wide = await liveLines(200);
  assert.match(
    wide[0],
    /loss \d\.\d{4}  accuracy \d\.\d{4}  top2Accuracy \d\.\d{4}  \d+ img\/s  ETA \d+s$/,
    'a wide terminal shows every value',
  );
  for (const line of await liveLines(40)) {
    assert.ok(line.length <= 39, line);
    assert.match(line, /ETA \d+s$/, `even a narrow terminal keeps the ETA: ${line}`);
  }
});
