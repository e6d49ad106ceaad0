// Weights and their metadata are validated on load: stored dtype vs parameter dtype, finite
// values, metadata types and ranges; errors name the file, the key or field, and the value.
// CLI cases run the built CLI (dist/cli/main.js) in a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeWeightsInfo } from '../../src/cli/weights-meta.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { serializeSafetensors } from '../../src/io/safetensors.js';
import { manualSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadWeights, saveWeights } from '../../src/train/checkpoint.js';
import { encodePng } from '../../src/vision/image.js';

const mainJs = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'convkit-weights-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [mainJs, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const META = {
  'convkit.model': 'lenet5',
  'convkit.dataset': 'mnist',
  'convkit.inputShape': '[1,28,28]',
  'convkit.numClasses': '10',
  'convkit.classes': JSON.stringify(Array.from({ length: 10 }, (_, i) => String(i))),
  'convkit.normalize': JSON.stringify({ mean: 0.1307, std: 0.3081 }),
};

function digitPng(): string {
  const pixels = new Float32Array(28 * 28);
  for (let i = 5; i < 23; i++) for (let j = 12; j < 16; j++) pixels[i * 28 + j] = 1;
  const f = join(dir, 'digit.png');
  writeFileSync(f, encodePng(new Tensor(pixels, [1, 28, 28])));
  return f;
}

/** Asserts a one-line error (no stack trace) with the given exit code matching every pattern. */
function assertError(r: { status: number | null; stderr: string }, code: number, ...patterns: RegExp[]): void {
  assert.equal(r.status, code, r.stderr);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('usage:'));
  assert.equal(lines.length, 1, `one line of error, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  for (const p of patterns) assert.match(r.stderr, p);
}

test('metadata: wrong types and ranges are errors naming the file, the field and the value', () => {
  const f = 'w.safetensors';
  const dec = (patch: Record<string, string>) => () => decodeWeightsInfo(f, { ...META, ...patch });
  assert.deepEqual(decodeWeightsInfo(f, META).normalize, { mean: 0.1307, std: 0.3081 });
  assert.throws(
    dec({ 'convkit.numClasses': 'abc' }),
    /^Error: w\.safetensors: metadata 'convkit\.numClasses' is "abc", expected a positive integer/,
  );
  assert.throws(dec({ 'convkit.numClasses': '0' }), /'convkit\.numClasses' is "0"/);
  assert.throws(dec({ 'convkit.numClasses': '2.5' }), /'convkit\.numClasses' is "2\.5"/);
  assert.throws(
    dec({ 'convkit.normalize': '{"mean":0.1,"std":0}' }),
    /w\.safetensors: metadata 'convkit\.normalize' is .*std 0/,
  );
  assert.throws(dec({ 'convkit.normalize': '{"mean":-0.5,"std":0.3}' }), /'convkit\.normalize' .*mean -0\.5/);
  assert.throws(dec({ 'convkit.normalize': '{"mean":0.1,"std":-1}' }), /'convkit\.normalize' .*std -1/);
  assert.throws(dec({ 'convkit.normalize': '{"mean":NaN,"std":1}' }), /'convkit\.normalize' is "\{\\"mean\\":NaN/);
  assert.throws(dec({ 'convkit.normalize': '{"mean":"0.1","std":0.3}' }), /'convkit\.normalize'/);
  assert.throws(
    dec({ 'convkit.inputShape': '[1,28]x' }),
    /'convkit\.inputShape' is "\[1,28\]x", expected a JSON array/,
  );
  assert.throws(dec({ 'convkit.inputShape': '[1,-28,28]' }), /'convkit\.inputShape'/);
  assert.throws(dec({ 'convkit.inputShape': '[]' }), /'convkit\.inputShape'/);
  assert.throws(dec({ 'convkit.classes': '[1,2]' }), /'convkit\.classes'/);
  assert.throws(dec({ 'convkit.classes': '["a","b"]' }), /'convkit\.classes' .*10 names/);
});

test('library: loadStateDict refuses a tensor whose dtype differs from the parameter (no silent int-to-float copy)', async () => {
  const layer = new Linear(2, 2);
  const before = Array.from(layer.weight.data);
  const sd = new Map(layer.stateDict({ clone: true }));
  sd.set('weight', new Tensor(Int32Array.of(1065353216, 0, 0, 1065353216), [2, 2])); // the bits of 1.0f read as ints
  assert.throws(() => layer.loadStateDict(sd), /dtype mismatch for 'weight': checkpoint has int32, model has float32/);
  assert.deepEqual(Array.from(layer.weight.data), before, 'nothing was copied');
  const path = join(dir, 'int-weight.safetensors');
  writeFileSync(path, serializeSafetensors(Object.fromEntries(sd)));
  await assert.rejects(
    loadWeights(layer, path),
    (e: Error) => e.message.includes(path) && /dtype mismatch for 'weight'/.test(e.message),
  );
});

test('CLI: float bytes labelled I32 are refused, naming the file and the key', async () => {
  manualSeed(1);
  const good = join(dir, 'good.safetensors');
  await saveWeights(lenet5(), good, META);
  const image = digitPng();
  assert.equal(cli('predict', image, '--weights', good).status, 0, 'the unmodified file predicts');
  // Relabel one float tensor as I32: same byte count, so the header stays the same length.
  const bytes = new Uint8Array(readFileSync(good));
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const relabelled = header.replace('"0.weight":{"dtype":"F32"', '"0.weight":{"dtype":"I32"');
  assert.notEqual(relabelled, header);
  bytes.set(new TextEncoder().encode(relabelled), 8);
  const bad = join(dir, 'relabelled.safetensors');
  writeFileSync(bad, bytes);
  assertError(
    cli('predict', image, '--weights', bad),
    1,
    /relabelled\.safetensors: tensor '0\.weight' is stored as I32 but the model's 0\.weight is float32/,
  );
  assertError(
    cli('visualize', '--weights', bad, '--image', image, '--out', join(dir, 'vis')),
    1,
    /relabelled\.safetensors: tensor '0\.weight' is stored as I32/,
  );
});

test('CLI: NaN or infinite weights are refused (no "NaN%" prediction), naming the file, the key and the count', async () => {
  manualSeed(2);
  const model = lenet5();
  const w = model.stateDict().get('3.bias')!;
  w.data[4] = NaN;
  w.data[7] = Infinity;
  const path = join(dir, 'diverged.safetensors');
  writeFileSync(path, serializeSafetensors(Object.fromEntries(model.stateDict()), META)); // saveWeights itself refuses NaN
  const r = cli('predict', digitPng(), '--weights', path);
  assertError(
    r,
    1,
    /diverged\.safetensors: tensor '3\.bias' has 2 NaN or infinite values \(first at index 4\)/,
    /lower --lr/,
  );
  assert.doesNotMatch(r.stdout + r.stderr, /NaN%/);
});

test('CLI: malformed metadata is an error naming the file and the field, exit 1', async () => {
  manualSeed(3);
  const image = digitPng();
  for (const [field, value, pattern] of [
    ['convkit.numClasses', 'abc', /meta-0\.safetensors: metadata 'convkit\.numClasses' is "abc"/],
    ['convkit.normalize', '{"mean":0.13,"std":0}', /meta-1\.safetensors: metadata 'convkit\.normalize' is .*std 0/],
  ] as const) {
    const path = join(dir, `meta-${field === 'convkit.numClasses' ? 0 : 1}.safetensors`);
    await saveWeights(lenet5(), path, { ...META, [field]: value });
    assertError(cli('predict', image, '--weights', path), 1, pattern);
    assertError(cli('visualize', '--weights', path, '--image', image, '--out', join(dir, 'vis2')), 1, pattern);
  }
});
