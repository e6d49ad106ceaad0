/**
 * The dataset examples run end to end on small data: examples/waveforms-1d.ts (a dilated Conv1d
 * net on the synthetic waveforms) and examples/eurosat.ts (seed 004's EuroSAT exercise) on a
 * tiny EuroSAT layout made here (ten class folders of 64x64 JPEGs). The examples import
 * 'convkit', i.e. this package's build: run `npm run build` first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../src/index.js';
import { EUROSAT_CLASSES } from '../src/data/index.js';
import { encodeJpeg } from '../src/vision/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function run(args: string[]): string {
  assert.ok(existsSync(join(root, 'dist', 'index.js')), 'dist/index.js is missing: run npm run build first');
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `exit ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

test('examples/waveforms-1d.ts trains a temporal CNN well above chance (25%)', () => {
  const out = run(['examples/waveforms-1d.ts', '--epochs', '4', '--limit', '600']);
  assert.match(
    out,
    /synthetic-waveforms: 600 training and 500 test signals of shape \[1, 128\], classes sine, square, sawtooth, triangle/,
  );
  const accs = [...out.matchAll(/epoch \d: loss \d+\.\d+, test accuracy (\d+\.\d\d)%/g)].map((m) => Number(m[1]));
  assert.equal(accs.length, 4, out);
  assert.ok((accs.at(-1) ?? 0) > 40, out);
});

test('examples/eurosat.ts loads the published layout, trains and prints per-class accuracy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-eurosat-example-'));
  try {
    // Class k: a 64x64 tile whose red, green, blue levels encode k (learnable from colour alone).
    EUROSAT_CLASSES.forEach((c, k) => {
      mkdirSync(join(dir, 'EuroSAT_RGB', c), { recursive: true });
      const t = new Tensor(new Float32Array(3 * 64 * 64), [3, 64, 64]);
      t.data.fill(k / 9, 0, 4096);
      t.data.fill(1 - k / 9, 4096, 8192);
      t.data.fill((k % 3) / 2, 8192);
      const bytes = encodeJpeg(t, 90);
      for (let i = 1; i <= 4; i++) writeFileSync(join(dir, 'EuroSAT_RGB', c, `${c}_${i}.jpg`), bytes);
    });
    const out = run(['examples/eurosat.ts', '--data-dir', dir, '--epochs', '2', '--batch-size', '8']);
    assert.match(out, /EuroSAT: 30 training and 10 test images of shape \[3, 64, 64\]/);
    assert.match(
      out,
      /classes: AnnualCrop, Forest, HerbaceousVegetation, Highway, Industrial, Pasture, PermanentCrop, Residential, River, SeaLake/,
    );
    assert.match(
      out,
      /training-split channel mean \[0\.\d{3}, 0\.\d{3}, 0\.\d{3}\], std \[0\.\d{3}, 0\.\d{3}, 0\.\d{3}\]/,
    );
    assert.match(out, /epoch 2: loss \d+\.\d+, test accuracy \d+\.\d\d%/);
    for (const c of EUROSAT_CLASSES) assert.match(out, new RegExp(`  ${c} +(\\d+\\.\\d|-)% of 1\\n`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
