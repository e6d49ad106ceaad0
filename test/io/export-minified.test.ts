// io.exportOnnx and io.exportPytorch in a minified build (vite's production default, `esbuild
// --minify`: every class renamed, `Conv2d` becomes `Oa`). The scenario of export-minified-app.ts
// is bundled by esbuild with minify: true and run in this process; its ONNX bytes, model.py,
// reprs and errors must equal those of the same scenario unminified. Exporters and reprs find a
// class by its declared static typeName (src/nn/type-name.ts), which every nn layer and zoo class
// must declare: checked here too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import * as nn from '../../src/nn/index.js';
import * as zoo from '../../src/models/index.js';
import { Module } from '../../src/nn/module.js';
import { declaredTypeName } from '../../src/nn/type-name.js';
import { type AppResult, run } from './export-minified-app.js';

const APP = fileURLToPath(new URL('./export-minified-app.ts', import.meta.url));

/** The scenario bundled with esbuild's minify (identifiers, syntax, whitespace) and imported. */
async function runMinified(): Promise<AppResult> {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-minified-'));
  try {
    const outfile = join(dir, 'app.min.mjs');
    const r = await build({
      entryPoints: [APP],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'es2022',
      outfile,
      logLevel: 'silent',
    });
    assert.deepEqual(r.errors, []);
    const mod = (await import(pathToFileURL(outfile).href)) as { run: () => AppResult };
    return mod.run();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a minified build exports zoo models to ONNX and PyTorch exactly as the plain build does, with the real class names in reprs and errors', async () => {
  const min = await runMinified();
  const plain = run();
  assert.equal(min.models.length, plain.models.length);
  for (const [i, p] of plain.models.entries()) {
    const m = min.models[i];
    assert.notEqual(m.jsClass, p.jsClass, `${p.name}: the bundle did not rename classes (is it minified?)`);
    assert.equal(m.repr, p.repr, `${p.name}: repr`);
    assert.equal(m.python, p.python, `${p.name}: model.py`);
    assert.deepEqual(m.onnx, p.onnx, `${p.name}: ONNX bytes`);
    assert.equal(m.shapeError, p.shapeError, `${p.name}: error`);
    const named = /does not fit (?:layer '[\w.]+'|the model) \((\w+)\)/.exec(m.shapeError)?.[1];
    assert.ok(named && (Object.hasOwn(nn, named) || Object.hasOwn(zoo, named)), `${p.name}: ${m.shapeError}`);
  }
  assert.match(plain.models[1].repr, /^UNet\(\n {2}\(inc\): DoubleConv\(/);
  assert.deepEqual(min.custom, plain.custom, "a user's module registered with registerOnnxExporter(cls, ...)");
  assert.match(
    plain.missing,
    /^exportOnnx: layer '1' \(Unknown\) has no ONNX exporter; register one with registerOnnxExporter\(Unknown,/,
  );
  assert.match(
    min.missing,
    /^exportOnnx: layer '1' \(\w+\) has no ONNX exporter; register one with registerOnnxExporter\(/,
  );
});

test('every Module class of nn and of the zoo declares its own static typeName, equal to its exported name', () => {
  const wrong: string[] = [];
  for (const [name, cls] of [...Object.entries(nn), ...Object.entries(zoo)]) {
    if (typeof cls !== 'function' || !(cls === Module || cls.prototype instanceof Module)) continue;
    const declared = declaredTypeName(cls);
    if (declared !== name) wrong.push(`${name} (declares ${declared === undefined ? 'none' : `'${declared}'`})`);
  }
  assert.deepEqual(
    wrong,
    [],
    `add \`static override readonly typeName: string = '<ClassName>'\` to: ${wrong.join(', ')}`,
  );
});

test("typeName: a class's own declaration, not an inherited one; a user's class without one is named by its JavaScript name", () => {
  class MyConv extends nn.Conv2d {}
  class Named extends nn.Conv2d {
    static override readonly typeName: string = 'NamedConv';
  }
  assert.equal(new nn.Conv2d(1, 1, 1).typeName, 'Conv2d');
  assert.equal(new MyConv(1, 1, 1).typeName, 'MyConv');
  assert.equal(new Named(1, 1, 1).typeName, 'NamedConv');
  assert.match(String(new Named(1, 1, 1)), /^NamedConv\(1, 1,/);
  assert.equal(declaredTypeName(MyConv), undefined);
});
