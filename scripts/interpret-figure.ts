/**
 * Makes the README's Grad-CAM figure (docs/images/gradcam-lenet5.png) and prints the figures it
 * quotes: Grad-CAM and Grad-CAM++ of convkit's shipped LeNet-5 at its last conv layer over the
 * first 100 MNIST test digits, as the share of each map's mass on the digit's non-zero pixels
 * against the share a uniform map would put there. Run: node --import tsx scripts/interpret-figure.ts
 */
import { writeFileSync } from 'node:fs';
import { data, models, plot, vision } from '../src/index.js';
import type { Tensor } from '../src/index.js';

const N = 100,
  SHOWN = 8;
const model = await models.pretrained('lenet5');
const raw = await data.loadMnist({ split: 'test', limit: N });
const norm = await data.loadMnist({ split: 'test', limit: N, normalize: true });

function share(map: Tensor, i: number): { on: number; uniform: number } {
  const px = raw.x.data.subarray(i * 784, (i + 1) * 784);
  let on = 0,
    total = 0,
    nz = 0;
  for (let p = 0; p < 784; p++) {
    total += map.data[p];
    if (px[p] > 0) {
      on += map.data[p];
      nz++;
    }
  }
  return { on: total > 0 ? on / total : 0, uniform: nz / 784 };
}

const methods = {
  'Grad-CAM': (i: number) => vision.gradCam(model, norm.x.narrow(0, i, 1)).map,
  'Grad-CAM (stretched)': (i: number) => vision.gradCam(model, norm.x.narrow(0, i, 1), { upsample: 'resize' }).map,
  'Grad-CAM++': (i: number) => vision.gradCamPlusPlus(model, norm.x.narrow(0, i, 1)).map,
};
const summary: Record<string, { fraction: number; uniform: number; above: number }> = {};
for (const [name, f] of Object.entries(methods)) {
  let fraction = 0,
    uniform = 0,
    above = 0;
  for (let i = 0; i < N; i++) {
    const s = share(f(i), i);
    fraction += s.on / N;
    uniform += s.uniform / N;
    if (s.on > s.uniform) above++;
  }
  summary[name] = { fraction, uniform, above };
}
console.log(JSON.stringify(summary, null, 2));

/** Gray digit with the map in hot colours over it, channel-last RGB. */
function overlay(i: number, map: Tensor): plot.ImageData2D {
  const heat = vision.heatmap(map).data;
  const out = new Float32Array(784 * 3);
  for (let p = 0; p < 784; p++)
    for (let c = 0; c < 3; c++) out[p * 3 + c] = 0.45 * raw.x.data[i * 784 + p] + 0.55 * heat[c * 784 + p];
  return { data: out, width: 28, height: 28, channels: 3 };
}
const images: plot.ImageData2D[] = [];
const captions: string[] = [];
for (let i = 0; i < SHOWN; i++) {
  images.push({ data: raw.x.data.slice(i * 784, (i + 1) * 784), width: 28, height: 28, channels: 1 });
  captions.push(`digit ${raw.y.data[i]}`);
}
for (const name of ['Grad-CAM', 'Grad-CAM++'] as const)
  for (let i = 0; i < SHOWN; i++) {
    const m = methods[name](i);
    images.push(overlay(i, m));
    captions.push(`${name}: ${(100 * share(m, i).on).toFixed(0)}% on ink`);
  }
const g = summary['Grad-CAM'];
const svg = plot.imageGrid(images, {
  captions,
  columns: SHOWN,
  cell: 96,
  title: `LeNet-5 Grad-CAM at conv2: ${(100 * g.fraction).toFixed(1)}% of the map on the ink (uniform ${(100 * g.uniform).toFixed(1)}%), 100 test digits`,
});
writeFileSync('docs/images/gradcam-lenet5.png', await plot.toPng(svg));
console.log('wrote docs/images/gradcam-lenet5.png');
