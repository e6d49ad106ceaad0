// Slow tier (about 20 s of CPU): every zoo model of the registry, at the small inputs of the
// export tests, survives convkit -> io.exportOnnx -> io.importOnnx with the same logits
// (1e-4 relative) and its state-dict names kept (see onnx-import-roundtrip.test.ts).
import { test } from 'node:test';
import { zooCases } from './onnx-export-cases.js';
import { roundTrip } from './onnx-import-roundtrip-case.js';

for (const c of zooCases()) {
  test(`zoo model ${c.name} survives exportOnnx -> importOnnx`, () => {
    roundTrip(c, 17);
  });
}
