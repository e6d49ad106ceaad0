// convkit -> io.exportOnnx -> io.importOnnx: every layer case of the export tests (each nn layer
// class in the settings where the ONNX mapping branches, shared with test/io/onnx-export*.ts)
// comes back with the same outputs (1e-4 relative) and its state-dict names kept, at the lowest,
// default and highest opset the exporter writes (and the importer reads). The zoo models are in the .slow. sibling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ONNX_DEFAULT_OPSET, ONNX_MAX_OPSET, ONNX_MIN_OPSET } from '../../src/io/onnx/export.js';
import { MAX_OPSET } from '../../src/io/onnx/import-graph.js';
import { LAYER_CASES } from './onnx-export-cases.js';
import { roundTrip } from './onnx-import-roundtrip-case.js';

// the newest opset both sides handle
for (const opset of [ONNX_MIN_OPSET, ONNX_DEFAULT_OPSET, Math.min(ONNX_MAX_OPSET, MAX_OPSET)]) {
  test(`every nn layer case survives exportOnnx -> importOnnx (opset ${opset})`, () => {
    assert.ok(LAYER_CASES.length > 30);
    for (const c of LAYER_CASES) roundTrip(c, opset);
  });
}
