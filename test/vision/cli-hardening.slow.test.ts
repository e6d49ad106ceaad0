// The image commands on bad inputs and outputs, through the built CLI (dist/cli/main.js) in a
// temporary directory: output format from --out's extension, one-line errors naming the file,
// --scale bounded before anything is written, transparent drawings read as ink on paper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFilterGrid } from '../../src/cli/commands/visualize.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { serializeSafetensors } from '../../src/io/safetensors.js';
import { manualSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { decodeImage, encodePng } from '../../src/vision/image.js';

const mainJs = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'convkit-img-cli-'));
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

/** Asserts a one-line error (plus the usage hint for exit 2), no stack trace, matching every pattern. */
function assertError(r: { status: number | null; stderr: string }, code: number, ...patterns: RegExp[]): void {
  assert.equal(r.status, code, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |filter: filter:|visualize: visualize:/);
  for (const p of patterns) assert.match(r.stderr, p);
}

/** A 28x28 digit: white bar on black (opaque gray), or black ink on a transparent background (RGBA). */
function digit(transparent: boolean): Uint8Array {
  const px = 28 * 28;
  if (!transparent) {
    const t = new Float32Array(px);
    for (let i = 5; i < 23; i++) for (let j = 12; j < 16; j++) t[i * 28 + j] = 1;
    return encodePng(new Tensor(t, [1, 28, 28]));
  }
  const rgba = new Float32Array(4 * px); // planes R, G, B (all 0: black ink), A
  for (let i = 5; i < 23; i++) for (let j = 12; j < 16; j++) rgba[3 * px + i * 28 + j] = 1;
  return encodePng(new Tensor(rgba, [4, 28, 28]));
}

test('filter: --out picks the format by extension (.jpg writes JPEG), refuses others before any work, one prefix', () => {
  writeFileSync(join(dir, 'digit.png'), digit(false));
  const jpg = cli('filter', 'digit.png', '--kernel', 'box3', '--out', 'blur.jpg');
  assert.equal(jpg.status, 0, jpg.stderr);
  const bytes = new Uint8Array(readFileSync(join(dir, 'blur.jpg')));
  assert.deepEqual(Array.from(bytes.subarray(0, 3)), [0xff, 0xd8, 0xff], 'JPEG bytes, not PNG bytes in a .jpg file');
  assert.deepEqual([decodeImage(bytes, 'blur.jpg').width, decodeImage(bytes, 'blur.jpg').height], [28, 28]);
  assertError(
    cli('filter', 'digit.png', '--kernel', 'box3', '--out', 'blur.bmp'),
    2,
    /--out blur\.bmp: cannot write images with the extension '\.bmp'; use \.png, \.jpg or \.jpeg/,
  );
  assert.equal(existsSync(join(dir, 'blur.bmp')), false);
  assertError(cli('filter', '--kernel', 'box3'), 2, /^convkit filter: give exactly one image \(PNG or JPEG\), got 0/);
  assertError(cli('filter', 'digit.png'), 2, /^convkit filter: --kernel is required/);
  assertError(
    cli('filter', 'digit.png', '--kernel', 'box3', '--background', 'pink'),
    2,
    /--background must be one of auto, white, black, got 'pink'/,
  );
});

test('filter: an --out that cannot be written is refused before any work, naming it', () => {
  writeFileSync(join(dir, 'digit.png'), digit(false));
  assertError(
    cli('filter', 'digit.png', '--kernel', 'box3', '--out', 'no/such/dir/x.png'),
    1,
    /cannot write --out no\/such\/dir\/x\.png: the folder .*no\/such\/dir does not exist/,
  );
  assertError(
    cli('filter', 'digit.png', '--kernel', 'box3', '--out', '.'),
    2,
    /--out \.: cannot write images with no extension/,
  );
});

test('filter: zero-size, truncated and missing images give one line naming the file, exit 1', () => {
  writeFileSync(join(dir, 'empty.png'), new Uint8Array(0));
  const good = digit(false);
  writeFileSync(join(dir, 'cut.png'), good.subarray(0, good.length - 20));
  assertError(cli('filter', 'empty.png', '--kernel', 'box3'), 1, /decodeImage: empty\.png is empty \(0 bytes\)/);
  assertError(cli('filter', 'cut.png', '--kernel', 'box3'), 1, /decodeImage: cut\.png is truncated/);
  assertError(
    cli('filter', 'missing.png', '--kernel', 'box3'),
    1,
    /cannot read missing\.png: no such file or directory/,
  );
  assert.equal(existsSync(join(dir, 'cut-box3.png')), false);
});

test('filter: a transparent canvas drawing is filtered as ink on paper (not an all-black image)', () => {
  writeFileSync(join(dir, 'canvas.png'), digit(true));
  const r = cli('filter', 'canvas.png', '--kernel', 'identity', '--json');
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { min: number; max: number; mean: number };
  assert.ok(o.min < 0.01 && o.max > 0.99, `range ${o.min}..${o.max}`);
  assert.ok(o.mean > 0.8, 'mostly white paper');
  const black = JSON.parse(
    cli('filter', 'canvas.png', '--kernel', 'identity', '--json', '--background', 'black').stdout,
  ) as { max: number };
  assert.ok(black.max < 0.01, 'black ink on a black background, as asked');
});

test('visualize: --scale too large for memory is a usage error naming the limit and the largest scale that fits; nothing written', () => {
  writeFileSync(join(dir, 'digit.png'), digit(false));
  const r = cli('visualize', 'digit.png', '--model', 'lenet5', '--scale', '1000', '--out', 'vis');
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    // maps-0: 6 captioned 28x28 maps zoomed 1000x in 3 columns (10 px gaps): 3 * (28000 + 10) + 10 wide;
    // 3 * (28 * s + 10) + 10 <= 8192 holds up to s = 97
    /--scale 1000: maps-0\.png would be 84040x56100 pixels, over the limit of 8192 pixels a side \(and 100 megapixels\); use --scale 97 or less/,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at |heap|Invalid typed array length/);
  assert.equal(existsSync(join(dir, 'vis')), false);
  const ok = cli('visualize', 'digit.png', '--model', 'lenet5', '--scale', '2', '--out', 'vis2', '--json');
  assert.equal(ok.status, 0, ok.stderr);
  // every PNG decodes at the size the command states; maps-0: 2 rows of 56 px captioned tiles
  const { images } = JSON.parse(ok.stdout) as { images: { file: string; width: number; height: number }[] };
  assert.equal(images.length, 7);
  for (const i of images) {
    const p = decodeImage(new Uint8Array(readFileSync(join(dir, i.file))), i.file);
    assert.deepEqual([p.width, p.height], [i.width, i.height], i.file);
  }
  assert.equal(images.find((i) => i.file.endsWith('maps-0.png'))?.height, 44 + 2 * (56 + 28));
});

test('predict and visualize: a transparent drawing gets the same prediction as the white-on-black digit', () => {
  manualSeed(11);
  const meta = {
    'convkit.model': 'lenet5',
    'convkit.dataset': 'mnist',
    'convkit.inputShape': '[1,28,28]',
    'convkit.numClasses': '10',
    'convkit.classes': JSON.stringify(Array.from({ length: 10 }, (_, i) => String(i))),
    'convkit.normalize': JSON.stringify({ mean: 0.1307, std: 0.3081 }),
  };
  writeFileSync(join(dir, 'w.safetensors'), serializeSafetensors(Object.fromEntries(lenet5().stateDict()), meta));
  writeFileSync(join(dir, 'digit.png'), digit(false));
  writeFileSync(join(dir, 'canvas.png'), digit(true));
  const r = cli('predict', 'digit.png', 'canvas.png', '--weights', 'w.safetensors', '--json');
  assert.equal(r.status, 0, r.stderr);
  const [a, b] = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { label: number; probability: number; top: { probability: number }[] });
  assert.equal(b.label, a.label);
  for (let k = 0; k < 3; k++)
    assert.ok(
      Math.abs(a.top[k].probability - b.top[k].probability) < 2e-3,
      `top ${k}: ${a.top[k].probability} vs ${b.top[k].probability}`,
    );
  const v = cli('visualize', '--weights', 'w.safetensors', '--image', 'canvas.png', '--out', 'vis3', '--json');
  assert.equal(v.status, 0, v.stderr);
  assert.equal((JSON.parse(v.stdout) as { predicted: number }).predicted, a.label);
  assertError(
    cli('predict', 'canvas.png', '--weights', 'w.safetensors', '--background', 'pink'),
    2,
    /--background must be one of auto, white, black, got 'pink'/,
  );
});

test('visualize: --max-filters / --max-channels whose filter grid would exceed the limit are usage errors', () => {
  // a VGG-sized layer, 512 filters of 512 channels, 3x3 (each tile zoomed to 39 px, captioned)
  assert.throws(
    () => checkFilterGrid('features.8', [512, 512, 3, 3], 100000, 100000),
    (e: Error) =>
      e.name === 'UsageError' &&
      /--max-filters 100000 and --max-channels 100000: filters-features\.8\.png would have 262144 tiles, over the 1024-tile limit of a figure; lower them/.test(
        e.message,
      ),
  );
  // 512 rows of 2 channels: 1024 tiles, but 44 + 512 * (39 + 28) pixels high
  assert.throws(
    () => checkFilterGrid('features.8', [512, 512, 3, 3], 512, 2),
    (e: Error) =>
      e.name === 'UsageError' &&
      /filters-features\.8\.png would be \d+x34348 pixels, over the limit of 8192 pixels a side/.test(e.message),
  );
  checkFilterGrid('features.8', [512, 512, 3, 3], 64, 16); // the defaults fit
  checkFilterGrid('0', [6, 1, 5, 5], 100000, 100000); // lenet5's first layer fits at any setting
});
