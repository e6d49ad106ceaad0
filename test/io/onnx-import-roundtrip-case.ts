/** The round trip convkit -> io.exportOnnx -> io.importOnnx of one export case, as a test assertion. */
import assert from 'node:assert/strict';
import { io, manualSeed, noGrad, randn } from '../../src/index.js';
import type { ExportCase } from './onnx-export-cases.js';
import { relativeError } from './onnx-import-graphs.js';

/** Exports, imports and compares one case; returns the relative error. */
export function roundTrip(c: ExportCase, opset: number): number {
  manualSeed(1);
  const model = c.build().eval();
  const imported = io.importOnnx(io.exportOnnx(model, { inputShape: c.input, opset })).eval();
  const own = [...model.stateDict().keys()];
  const back = new Set(imported.stateDict().keys());
  const lost = own.filter((k) => !back.has(k));
  assert.deepEqual(lost, [], `${c.name} (opset ${opset}): state-dict keys lost in the round trip`);
  // the convkit weights load into the imported model under their own names
  imported.loadStateDict(model.stateDict(), { strict: false });
  let worst = 0;
  for (const batch of [1, 3]) {
    const x = randn([batch, ...c.input.slice(1)]).mul(2);
    const want = noGrad(() => model.call(x));
    const got = noGrad(() => imported.call(x));
    assert.deepEqual(got.shape, want.shape, `${c.name} (opset ${opset}, batch ${batch}): output shape`);
    const err = relativeError(got, want);
    assert.ok(err <= 1e-4, `${c.name} (opset ${opset}, batch ${batch}): relative error ${err.toExponential(2)}`);
    worst = Math.max(worst, err);
  }
  return worst;
}
