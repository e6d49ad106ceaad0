// Grids of filters and feature maps, heat maps, zoom, and PNG output (src/vision/visualize.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, tensor, randn, manualSeed } from '../../src/index.js';
import {
  decodeImage,
  featureMapGrid,
  filterGrid,
  heatmap,
  rescale,
  saveImage,
  tileImages,
  upscaleNearest,
} from '../../src/vision/index.js';
import { assertClose } from '../helpers/check.js';

const dir = mkdtempSync(join(tmpdir(), 'convkit-vision-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The (h, w) tile at grid cell (row, col) of channel ch, given tile size, padding and columns. */
function tileAt(img: Tensor, ch: number, row: number, col: number, h: number, w: number, pad: number): number[] {
  const W = img.shape[2],
    H = img.shape[1],
    out: number[] = [];
  const y0 = pad + row * (h + pad),
    x0 = pad + col * (w + pad);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out.push(img.data[ch * H * W + (y0 + i) * W + x0 + j]);
  return out;
}

test('filterGrid: sizes for gray, RGB and multi-channel filters; global vs per-filter normalisation', () => {
  manualSeed(0);
  // 6 single-channel 5x5 filters (LeNet conv1): 3 columns x 2 rows, 1 px padding
  assert.deepEqual(filterGrid(randn([6, 1, 5, 5])).shape, [1, 2 * 5 + 3, 3 * 5 + 4]);
  // 4 RGB filters: colour tiles in a 2 x 2 grid, zoomed 2x
  assert.deepEqual(filterGrid(randn([4, 3, 3, 3]), { scale: 2, padding: 0 }).shape, [3, 12, 12]);
  // 16 filters over 6 channels (LeNet conv2): 16 rows x 6 columns of gray tiles
  assert.deepEqual(filterGrid(randn([16, 6, 5, 5])).shape, [1, 16 * 5 + 17, 6 * 5 + 7]);

  const w = tensor([0, 1, 2, 3, 4, 5, 6, 7]).reshape(2, 1, 2, 2);
  const global = filterGrid(w, { padValue: 0.25 });
  assert.deepEqual(global.shape, [1, 4, 7]); // one row of two 2x2 tiles
  assertClose(
    tileAt(global, 0, 0, 0, 2, 2, 1),
    [0, 1, 2, 3].map((v) => v / 7),
  );
  assertClose(
    tileAt(global, 0, 0, 1, 2, 2, 1),
    [4, 5, 6, 7].map((v) => v / 7),
  );
  assert.equal(global.data[0], 0.25, 'padding holds padValue');
  const each = filterGrid(w, { normalize: 'each' });
  assertClose(
    tileAt(each, 0, 0, 1, 2, 2, 1),
    [0, 1, 2, 3].map((v) => v / 3),
  );
  const none = filterGrid(w, { normalize: 'none' });
  assertClose(tileAt(none, 0, 0, 0, 2, 2, 1), [0, 1, 1, 1]);
  // RGB filters keep their channels: tile channel c is weight[o, c]
  const rgb = filterGrid(tensor([0, 0, 1, 1, 2, 2]).reshape(1, 3, 1, 2), { padding: 0 });
  assertClose(rgb, [0, 0, 0.5, 0.5, 1, 1]);
  assert.throws(
    () => filterGrid(randn([3, 5, 5])),
    /filterGrid: weight must be 4-D \(out, in, kH, kW\), got shape \[3, 5, 5\]/,
  );
  assert.throws(
    () => filterGrid(w, { normalize: 'max' as 'each' }),
    /filterGrid: normalize must be 'each', 'global' or 'none', got "max"/,
  );
});

test('featureMapGrid: near-square layout, per-map normalisation, constant maps black', () => {
  const maps = tensor([
    [
      [0, 2],
      [4, 6],
    ],
    [
      [1, 1],
      [1, 1],
    ],
    [
      [-1, 0],
      [0, 1],
    ],
  ]); // (3, 2, 2)
  const g = featureMapGrid(maps, { padValue: 1 });
  assert.deepEqual(g.shape, [1, 7, 7]); // 2 columns, 2 rows (the 4th cell stays background)
  assertClose(tileAt(g, 0, 0, 0, 2, 2, 1), [0, 1 / 3, 2 / 3, 1]);
  assertClose(tileAt(g, 0, 0, 1, 2, 2, 1), [0, 0, 0, 0]);
  assertClose(tileAt(g, 0, 1, 0, 2, 2, 1), [0, 0.5, 0.5, 1]);
  assertClose(tileAt(g, 0, 1, 1, 2, 2, 1), [1, 1, 1, 1]);
  assert.deepEqual(featureMapGrid(maps.reshape(1, 3, 2, 2), { scale: 3, columns: 3, padding: 0 }).shape, [1, 6, 18]);
  const global = featureMapGrid(maps, { normalize: 'global' });
  assertClose(tileAt(global, 0, 0, 0, 2, 2, 1), [1 / 7, 3 / 7, 5 / 7, 1]);
  assert.throws(
    () => featureMapGrid(randn([2, 3, 2, 2])),
    /featureMapGrid: maps must be \(C, H, W\) or \(1, C, H, W\), got shape \[2, 3, 2, 2\]/,
  );
  assert.throws(
    () => tileImages([randn([1, 2, 2]), randn([1, 3, 2])]),
    /tileImages: all tiles must have shape \[1, 2, 2\], got \[1, 3, 2\]/,
  );
});

test('upscaleNearest, rescale and heatmap', () => {
  const x = tensor([
    [1, 2],
    [3, 4],
  ]);
  assertClose(upscaleNearest(x, 2), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  assert.deepEqual(upscaleNearest(x.reshape(1, 2, 2), 3).shape, [1, 6, 6]);
  assertClose(rescale(x), [0, 1 / 3, 2 / 3, 1]);
  assertClose(rescale(tensor([5, 5])), [0, 0]);
  const h = heatmap(
    tensor([
      [0, 1],
      [2, 3],
    ]),
  );
  assert.deepEqual(h.shape, [3, 2, 2]);
  // black -> red -> yellow -> white
  assertClose(h, [0, 1, 1, 1, /* g */ 0, 0, 1, 1, /* b */ 0, 0, 0, 1], { atol: 1e-6 });
  assert.throws(() => upscaleNearest(x, 1.5), /upscaleNearest: factor must be a positive integer, got 1.5/);
});

test('saveImage writes a decodable PNG atomically (no temporary files left)', async () => {
  const gray = tensor([
    [0, 0.5],
    [1, 0.25],
  ]);
  const p = join(dir, 'gray.png');
  await saveImage(p, gray);
  const img = decodeImage(new Uint8Array(readFileSync(p)), p);
  assert.deepEqual([img.width, img.height, img.channels], [2, 2, 1]);
  assert.deepEqual([...img.data], [0, 128, 255, 64]);
  const rgb = heatmap(tensor([[0, 3]]));
  const q = join(dir, 'heat.png');
  await saveImage(q, rgb);
  const back = decodeImage(new Uint8Array(readFileSync(q)), q);
  assert.deepEqual([back.width, back.height, back.channels], [2, 1, 3]);
  assert.deepEqual([...back.data], [0, 0, 0, 255, 255, 255]);
  assert.deepEqual(readdirSync(dir).sort(), ['gray.png', 'heat.png']);
});
