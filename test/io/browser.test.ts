// io/browser.ts in Node: the page-only functions (IndexedDB, download) fail with an error that
// names the Node alternative; weightsBlob and fetchWeights (fetch works in Node) round-trip a
// model's weights as safetensors. The IndexedDB round trip itself runs in Chromium
// (npm run test:browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  deleteFromIndexedDB,
  deserializeSafetensors,
  downloadWeights,
  fetchWeights,
  listIndexedDB,
  loadFromIndexedDB,
  saveToIndexedDB,
  weightsBlob,
} from '../../src/io/index.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { manualSeed } from '../../src/tensor/random.js';

test('IndexedDB and download functions in Node: an error naming the op and the Node alternative', async () => {
  const model = lenet5();
  const hint = /needs a browser.*in Node use train\.saveWeights\(model, path\)/;
  await assert.rejects(saveToIndexedDB('m', model), /^Error: saveToIndexedDB: needs a browser with IndexedDB/);
  await assert.rejects(saveToIndexedDB('m', model), hint);
  await assert.rejects(loadFromIndexedDB('m'), /^Error: loadFromIndexedDB: needs a browser with IndexedDB/);
  await assert.rejects(listIndexedDB(), /^Error: listIndexedDB: needs a browser/);
  await assert.rejects(deleteFromIndexedDB('m'), /^Error: deleteFromIndexedDB: needs a browser/);
  assert.throws(
    () => downloadWeights(model),
    /^Error: downloadWeights: needs a browser page \(document is not defined here\)/,
  );
});

test('weightsBlob holds the model state dict as safetensors; non-finite weights are refused', async () => {
  manualSeed(3);
  const model = lenet5();
  const blob = weightsBlob(model, { metadata: { note: 'x' } });
  const back = deserializeSafetensors(new Uint8Array(await blob.arrayBuffer()));
  assert.equal(back.metadata.note, 'x');
  for (const [k, t] of model.stateDict()) assert.deepEqual(Array.from(back.tensors[k].data), Array.from(t.data), k);
  const sd = model.stateDict();
  const first = [...sd.keys()][0];
  (sd.get(first)?.data as Float32Array)[1] = Number.NaN;
  assert.throws(
    () => weightsBlob(sd),
    new RegExp(`weightsBlob\\(the Blob\\): weight '${first.replace('.', '\\.')}' holds NaN; not saved`),
  );
  assert.equal(weightsBlob(sd, { allowNonFinite: true }).size > 0, true);
});

test('fetchWeights loads served safetensors into a model; HTTP errors, size limits and corrupt bytes are named', async () => {
  manualSeed(1);
  const src = lenet5();
  const bytes = new Uint8Array(await weightsBlob(src).arrayBuffer());
  const server = createServer((req, res) => {
    if (req.url === '/w.safetensors') res.writeHead(200).end(bytes);
    else if (req.url === '/bad.safetensors') res.writeHead(200).end(bytes.subarray(0, 100));
    else res.writeHead(404, 'Not Found').end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    manualSeed(2);
    const dst = lenet5();
    const key = [...src.stateDict().keys()][0];
    assert.notDeepEqual(
      Array.from(dst.stateDict().get(key)?.data ?? []),
      Array.from(src.stateDict().get(key)?.data ?? []),
    );
    const got = await fetchWeights(`${base}/w.safetensors`, { model: dst });
    for (const [k, t] of src.stateDict()) {
      assert.deepEqual(Array.from(dst.stateDict().get(k)?.data ?? []), Array.from(t.data), k);
      assert.deepEqual(Array.from(got.tensors[k].data), Array.from(t.data), k);
    }
    await assert.rejects(
      fetchWeights(`${base}/missing`),
      /fetchWeights: fetching http:\/\/127\.0\.0\.1:\d+\/missing failed: HTTP 404 Not Found/,
    );
    await assert.rejects(
      fetchWeights(`${base}/w.safetensors`, { maxBytes: 1000 }),
      /fetchWeights: .*w\.safetensors is \d+ bytes, more than the 1000-byte limit/,
    );
    await assert.rejects(fetchWeights(`${base}/bad.safetensors`), /deserializeSafetensors: http:.*bad\.safetensors: /);
    const other = lenet5({ numClasses: 3 });
    await assert.rejects(
      fetchWeights(`${base}/w.safetensors`, { model: other }),
      /fetchWeights\(http:.*w\.safetensors\): .*size mismatch/,
    );
  } finally {
    server.close();
  }
});
