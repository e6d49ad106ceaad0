#!/usr/bin/env node
// Regenerates src/io/onnx/generated/onnx_pb.ts (typed ONNX messages for @bufbuild/protobuf) from
// the official schema src/io/onnx/proto/onnx.proto (ONNX 1.23, Apache-2.0), with the buf CLI and
// protoc-gen-es from devDependencies. The output is committed; run after updating onnx.proto:
//   node scripts/gen-onnx-proto.mjs
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const template = JSON.stringify({
  version: 'v2',
  plugins: [
    {
      local: bin('protoc-gen-es'),
      out: 'src/io/onnx/generated',
      opt: ['target=ts', 'import_extension=js'],
    },
  ],
});
const r = spawnSync(bin('buf'), ['generate', 'src/io/onnx/proto', '--template', template], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status !== 0) {
  console.error('gen-onnx-proto: buf generate failed');
  process.exit(r.status ?? 1);
}
console.log('gen-onnx-proto: wrote src/io/onnx/generated/onnx_pb.ts');
