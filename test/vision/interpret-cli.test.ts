// `convkit visualize --method ...` in process: every PNG it writes decodes at the size it should
// have, the overview is captioned (a PNG from the plot module), the JSON names the figures, and
// bad --method / --layer values are usage errors naming the accepted values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, vision } from '../../src/index.js';
import { visualizeCommand } from '../../src/cli/commands/visualize.js';
import { UsageError } from '../../src/cli/options.js';
import { assertPng } from '../plot/svg-check.js';

const dir = mkdtempSync(join(tmpdir(), 'convkit-interpret-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const raw = await data.loadMnist({ split: 'test', limit: 1 });
const digit = join(dir, 'digit.png');
writeFileSync(digit, vision.encodePng(raw.x.reshape([1, 28, 28])));

/**
 * Runs the command with its stdout captured (the JSON line and the 'wrote' lines; anything
 * else, e.g. the test reporter's own output, passes through); returns its exit code and output.
 */
async function run(args: string[]): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (!/^(\{"image"|wrote |\/)/.test(text)) return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    out += text;
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await visualizeCommand(args), out };
  } finally {
    process.stdout.write = write;
  }
}

function size(path: string): [number, number] {
  const img = vision.decodeImage(new Uint8Array(readFileSync(path)), path);
  return [img.width, img.height];
}

test('visualize --method all writes every method PNG at its size and a captioned overview', async () => {
  const out = join(dir, 'all');
  const { code, out: stdout } = await run([
    '--method',
    'all',
    '--image',
    digit,
    '--out',
    out,
    '--steps',
    '5',
    '--max-filters',
    '4',
    '--count',
    '60',
    '--json',
  ]);
  assert.equal(code, 0);
  const report = JSON.parse(stdout) as {
    predicted: number;
    target: number;
    files: string[];
    results: Record<string, Record<string, unknown>>;
  };
  assert.equal(report.predicted, raw.y.data[0], 'the shipped LeNet-5 is used without --weights');
  assert.equal(report.target, report.predicted);
  const expect: Record<string, [number, number]> = {
    'gradcam.png': [112, 112],
    'gradcampp.png': [112, 112],
    'xgradcam.png': [112, 112],
    'layercam.png': [112, 112],
    'guidedgradcam.png': [112, 112],
    'guided.png': [112, 112],
    'deconv.png': [112, 112],
    'ig.png': [112, 112],
    [`actmax-class-${report.target}.png`]: [112, 112],
    'embedding-pca.png': [640, 520],
    'embedding-umap.png': [640, 520],
  };
  for (const [file, wh] of Object.entries(expect)) {
    assert.ok(report.files.includes(join(out, file)), file);
    assert.deepEqual(size(join(out, file)), wh, file);
  }
  // actmax-3.png: 4 channels captioned in a 2x2 grid of 28 px zoomed 2x, under a 44 px title band
  // (18 px captions, 10 px gaps); the title and the captions render
  const act = join(out, 'actmax-3.png');
  assert.ok(report.files.includes(act));
  const [aw, ah] = size(act);
  assert.equal(ah, 44 + 2 * (56 + 28));
  assert.ok(aw >= 2 * 56 + 3 * 10, `actmax-3.png width ${aw}`);
  const { data: px, channels } = assertPng(new Uint8Array(readFileSync(act)), aw, ah);
  let captionInk = 0;
  for (let y = 40 + 56 + 2; y < 40 + 56 + 18; y++)
    for (let x = 0; x < aw; x++) if (px[(y * aw + x) * channels] < 128) captionInk++;
  assert.ok(captionInk > 20, `the tile captions render (${captionInk} dark pixels)`);
  const [w, h] = size(join(out, 'overview.png'));
  assert.ok(w >= 4 * 140 && h >= 2 * 140, `overview ${w}x${h}: 11 tiles of 140 px in 4 columns`);
  assert.equal(report.files.length, Object.keys(expect).length + 2);
  assert.equal(report.results.gradcam.layer, '3');
  assert.ok(
    Math.abs(report.results.ig.delta as number) <
      0.05 * Math.abs((report.results.ig.score as number) - (report.results.ig.baselineScore as number)),
  );
  assert.equal((report.results.actmax.filters as unknown[]).length, 4);
  assert.equal(report.results.embedding.count, 60);
});

test('visualize --method actmax needs no image; bad --method and --layer are usage errors', async () => {
  const out = join(dir, 'actmax');
  const r = await run(['--method', 'actmax', '--steps', '3', '--max-filters', '2', '--target', '5', '--out', out]);
  assert.equal(r.code, 0);
  assert.deepEqual(size(join(out, 'actmax-class-5.png')), [112, 112]);
  assert.match(r.out, /wrote .*actmax-class-5\.png/);
  await assert.rejects(run(['--method', 'gradcam,shap', '--image', digit]), (e: Error) => {
    assert.ok(e instanceof UsageError);
    assert.match(
      e.message,
      /--method must be one or more of gradcam, gradcampp, xgradcam, layercam, guidedgradcam, guided, deconv, ig, actmax, embedding, or all; got 'shap'/,
    );
    return true;
  });
  await assert.rejects(
    run(['--method', 'gradcam', '--image', digit, '--layer', '99', '--out', out]),
    /--layer '99' is not a module path of lenet5 \(paths: 0, 1, 2/,
  );
  await assert.rejects(run(['--method', 'gradcam', '--out', out]), /give an image with --image PATH/);
});
