/**
 * Measures where Grad-CAM and its variants put their mass on convkit's shipped LeNet-5
 * (weights/lenet5-mnist), prints the table the README quotes, and makes the README's figure
 * (docs/images/gradcam-lenet5.png). For every variant (method x layer x upsampling, counterfactual,
 * guided Grad-CAM) and every digit: the share of the map's mass on the digit's non-zero pixels,
 * against the share a uniform map puts there (the non-zero pixels' share of the image). Two sets of
 * MNIST test digits: the first 100 (the issue's measurement) and digits 100-599 (a second set, to
 * see whether a ranking of variants holds beyond the digits it is read on). Every variant measured
 * is printed; nothing is dropped. Run: node --import tsx scripts/interpret-figure.ts [--no-figure]
 */
import { writeFileSync } from 'node:fs';
import { Tensor, data, models, plot, vision } from '../src/index.js';

const FIRST = 100,
  SECOND = 500,
  SHOWN = 8;
const model = await models.pretrained('lenet5');
const raw = await data.loadMnist({ split: 'test', limit: FIRST + SECOND });
const norm = await data.loadMnist({ split: 'test', limit: FIRST + SECOND, normalize: true });
const x = (i: number): Tensor => norm.x.narrow(0, i, 1);

/** Share of the (non-negative) map's mass on digit i's non-zero pixels, and those pixels' share of the image. */
function share(map: ArrayLike<number>, i: number): { on: number; uniform: number } {
  const px = raw.x.data.subarray(i * 784, (i + 1) * 784);
  let on = 0,
    total = 0,
    nz = 0;
  for (let p = 0; p < 784; p++) {
    total += map[p];
    if (px[p] > 0) {
      on += map[p];
      nz++;
    }
  }
  return { on: total > 0 ? on / total : 0, uniform: nz / 784 };
}

const abs = (t: Tensor): Float32Array => Float32Array.from(t.data, Math.abs);
const pos = (t: Tensor): Float32Array => Float32Array.from(t.data, (v) => (v > 0 ? v : 0));
type Variant = (i: number) => ArrayLike<number>;
const LAYERS: [string, string][] = [
  ['0', 'conv1 (before ReLU)'],
  ['1', 'conv1 ReLU'],
  ['2', 'pool1'],
  ['3', 'conv2 (before ReLU)'],
  ['4', 'conv2 ReLU'],
  ['5', 'pool2'],
];
const METHODS = [
  ['Grad-CAM', vision.gradCam],
  ['Grad-CAM++', vision.gradCamPlusPlus],
  ['XGrad-CAM', vision.xGradCam],
  ['Layer-CAM', vision.layerCam],
] as const;
const variants: [string, Variant][] = [];
for (const [name, f] of METHODS)
  for (const [layer, label] of LAYERS)
    variants.push([`${name} | ${label} | receptive-field`, (i) => f(model, x(i), { layer }).map.data]);
for (const [layer, label] of LAYERS)
  variants.push([
    `Grad-CAM | ${label} | resize`,
    (i) => vision.gradCam(model, x(i), { layer, upsample: 'resize' }).map.data,
  ]);
for (const [layer, label] of LAYERS)
  variants.push([
    `Grad-CAM counterfactual | ${label} | receptive-field`,
    (i) => vision.gradCam(model, x(i), { layer, counterfactual: true }).map.data,
  ]);
variants.push([
  'plain input gradient |x| | input | -',
  (i) => abs(vision.inputGradient(model, x(i), 'plain').gradient),
]);
variants.push(['guided backprop |x| | input | -', (i) => abs(vision.guidedBackprop(model, x(i)).gradient)]);
variants.push(['guided backprop ReLU | input | -', (i) => pos(vision.guidedBackprop(model, x(i)).gradient)]);
for (const [layer, label] of LAYERS) {
  const guided = (i: number): Tensor =>
    vision.guidedGradCam(vision.guidedBackprop(model, x(i)).gradient, vision.gradCam(model, x(i), { layer }).map);
  variants.push([`guided Grad-CAM |x| | ${label} | receptive-field`, (i) => abs(guided(i))]);
  variants.push([`guided Grad-CAM ReLU | ${label} | receptive-field`, (i) => pos(guided(i))]);
}

interface Row {
  fraction: number;
  uniform: number;
  above: number;
  fraction2: number;
  uniform2: number;
}
function measure(f: Variant, from: number, n: number): { fraction: number; uniform: number; above: number } {
  let fraction = 0,
    uniform = 0,
    above = 0;
  for (let i = from; i < from + n; i++) {
    const s = share(f(i), i);
    fraction += s.on / n;
    uniform += s.uniform / n;
    if (s.on > s.uniform) above++;
  }
  return { fraction, uniform, above };
}
const table: Record<string, Row> = {};
console.log(
  '| method | layer | upsampling | first 100: on ink | x uniform | above uniform | digits 100-599: on ink | x uniform |',
);
console.log('|---|---|---|---:|---:|---:|---:|---:|');
for (const [name, f] of variants) {
  const a = measure(f, 0, FIRST),
    b = measure(f, FIRST, SECOND);
  table[name] = { ...a, fraction2: b.fraction, uniform2: b.uniform };
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  console.log(
    `| ${name.split(' | ').join(' | ')} | ${pct(a.fraction)} | ${(a.fraction / a.uniform).toFixed(2)} | ${a.above}/${FIRST} | ${pct(b.fraction)} | ${(b.fraction / b.uniform).toFixed(2)} |`,
  );
}
writeFileSync('/tmp/gradcam-variants.json', JSON.stringify(table, null, 2));

if (!process.argv.includes('--no-figure')) {
  /** Gray digit with the map in hot colours over it, channel-last RGB. */
  const overlay = (i: number, map: Tensor): plot.ImageData2D => {
    const heat = vision.heatmap(map).data;
    const out = new Float32Array(784 * 3);
    for (let p = 0; p < 784; p++)
      for (let c = 0; c < 3; c++) out[p * 3 + c] = 0.45 * raw.x.data[i * 784 + p] + 0.55 * heat[c * 784 + p];
    return { data: out, width: 28, height: 28, channels: 3 };
  };
  const images: plot.ImageData2D[] = [];
  const captions: string[] = [];
  for (let i = 0; i < SHOWN; i++) {
    images.push({ data: raw.x.data.slice(i * 784, (i + 1) * 784), width: 28, height: 28, channels: 1 });
    captions.push(`digit ${raw.y.data[i]}`);
  }
  const magnitude = (t: Tensor): Tensor => {
    const m = abs(t);
    const max = m.reduce((p, v) => (v > p ? v : p), 0);
    return new Tensor(max > 0 ? m.map((v) => v / max) : m, [28, 28]);
  };
  const rows: [string, (i: number) => Tensor][] = [
    ['Grad-CAM conv2', (i) => vision.gradCam(model, x(i), { layer: '4' }).map],
    [
      'guided Grad-CAM',
      (i) =>
        magnitude(
          vision.guidedGradCam(
            vision.guidedBackprop(model, x(i)).gradient,
            vision.gradCam(model, x(i), { layer: '4' }).map,
          ),
        ),
    ],
    ['Layer-CAM conv1', (i) => vision.layerCam(model, x(i), { layer: '1' }).map],
  ];
  for (const [name, f] of rows)
    for (let i = 0; i < SHOWN; i++) {
      const m = f(i);
      images.push(overlay(i, m));
      captions.push(`${name}: ${(100 * share(m.data, i).on).toFixed(0)}% on ink`);
    }
  const svg = plot.imageGrid(images, {
    captions,
    columns: SHOWN,
    cell: 96,
    title:
      'LeNet-5, predicted class: Grad-CAM and guided Grad-CAM at conv2 (after ReLU), Layer-CAM at conv1; first 8 MNIST test digits',
  });
  writeFileSync('docs/images/gradcam-lenet5.png', await plot.toPng(svg));
  console.log('wrote docs/images/gradcam-lenet5.png');
}
