/**
 * The GPU device thread's source (plain JavaScript, run unchanged as a Web Worker from a Blob
 * URL or as a Node worker_threads worker with eval). It owns the WebGPU device and executes the
 * commands the convkit thread posts (./bridge.ts), strictly in order:
 *
 * - init: gets the device (`navigator.gpu` in browsers; in Node the `webgpu` package's
 *   `create([])`, loaded from the path the convkit thread resolved), answers 'ready' with the
 *   adapter's info and limits, or 'failed' with the reason;
 * - create / free / clear: storage buffers by id;
 * - upload: a transferred copy of the host array, copied in through a mapped staging buffer
 *   (encoded in order with the dispatches, unlike queue.writeBuffer);
 * - dispatch: pipeline cache by key (explicit bind group layouts from the bindings' access),
 *   bind groups cached by pipeline and buffer ids (evicted when a buffer is freed), the params
 *   bytes in a slot of one uniform ring bound with a dynamic offset (written to the GPU with
 *   queue.writeBuffer just before the batch is submitted: queue operations run in order, so the
 *   next batch may reuse the ring), one compute pass per batch of dispatches;
 * - read: submits what is batched, copies the buffer to a mapped staging buffer, copies the
 *   bytes into the shared buffer it was given and wakes the convkit thread (Atomics.notify on
 *   the control word), with the first validation / out-of-memory error since the last read;
 * - flush: submits what is batched.
 * Work is batched in one command encoder and submitted at read / flush points (and every
 * MAX_BATCH dispatches or when the uniform ring is full, to bound the staging memory held).
 */

/** Control block slots (Int32 indices into the control SharedArrayBuffer). */
export const CTL = { DONE: 0, STATUS: 1, LENGTH: 2 } as const;

/** Dispatches batched in one command buffer before it is submitted regardless. */
const MAX_BATCH = 256;

/** Bytes of the uniform ring (one batch's params: MAX_BATCH slots of 256 bytes). */
const UNIFORM_RING = MAX_BATCH * 256;

/** Cached bind groups held at most (the cache is emptied when it would grow past this). */
const MAX_GROUPS = 4096;

/** The device thread's source text. */
export const gpuThreadSource = `
const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
let post = (m) => postMessage(m);
const STORAGE = 0x80, COPY_SRC = 0x04, COPY_DST = 0x08, MAP_READ = 0x01, MAP_WRITE = 0x02, UNIFORM = 0x40;
const COMPUTE = 0x4;
let device = null;
let ctl = null;
const buffers = new Map();
const pipelines = new Map();
let encoder = null, pass = null, batched = 0;
let trash = [];
let ring = null, ringBytes = null, ringUsed = 0, ringAlign = 256;
const groups = new Map(); // 'pipeline key|ids|params bytes' -> bind group
const groupsOf = new Map(); // buffer id -> the group keys that bind it
let checks = [];
let firstError = null;
let readStaging = null;

function fail(what, e) {
  if (firstError === null) firstError = what + ': ' + (e && e.message ? e.message : String(e));
}
function scoped(what, fn) {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  try { fn(); } catch (e) { fail(what, e); }
  const v = device.popErrorScope(), o = device.popErrorScope();
  checks.push(v.then((err) => err && fail(what, err), (e) => fail(what, e)));
  checks.push(o.then((err) => err && fail(what, err), (e) => fail(what, e)));
}
function enc() {
  if (encoder === null) encoder = device.createCommandEncoder();
  return encoder;
}
function endPass() {
  if (pass !== null) { pass.end(); pass = null; }
}
function submit() {
  endPass();
  if (encoder !== null) {
    const e = encoder;
    encoder = null;
    batched = 0;
    scoped('submit', () => {
      if (ringUsed > 0) device.queue.writeBuffer(ring, 0, ringBytes, 0, ringUsed);
      device.queue.submit([e.finish()]);
    });
    ringUsed = 0;
  }
  for (const b of trash) b.destroy();
  trash = [];
}
function staged(bytes) {
  const size = Math.max(4, (bytes.byteLength + 3) & ~3);
  const s = device.createBuffer({ size, usage: MAP_WRITE | COPY_SRC, mappedAtCreation: true });
  new Uint8Array(s.getMappedRange()).set(new Uint8Array(bytes));
  s.unmap();
  trash.push(s);
  return s;
}
function uniformRing() {
  if (ring === null) {
    ringAlign = Math.max(16, device.limits.minUniformBufferOffsetAlignment || 256);
    ring = device.createBuffer({ size: ${UNIFORM_RING}, usage: UNIFORM | COPY_DST });
    ringBytes = new Uint8Array(${UNIFORM_RING});
  }
  return ring;
}
function pipelineFor(m) {
  let p = pipelines.get(m.key);
  if (p !== undefined) return p;
  if (typeof m.wgsl !== 'string') throw new Error('no WGSL received for pipeline ' + m.key);
  const entries = [];
  for (let i = 0; i < m.acc.length; i++)
    entries.push({ binding: i, visibility: COMPUTE, buffer: { type: m.acc[i] === 'w' ? 'storage' : 'read-only-storage' } });
  if (m.params) entries.push({ binding: m.acc.length, visibility: COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } });
  const layout = device.createBindGroupLayout({ entries });
  const module = device.createShaderModule({ code: m.wgsl, label: m.key });
  const pipeline = device.createComputePipeline({
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main' },
    label: m.key,
  });
  p = { layout, pipeline };
  pipelines.set(m.key, p);
  return p;
}
const handlers = {
  create(m) {
    scoped('create buffer of ' + m.size + ' bytes', () => {
      buffers.set(m.id, device.createBuffer({ size: Math.max(4, m.size), usage: STORAGE | COPY_SRC | COPY_DST }));
    });
  },
  free(m) {
    const b = buffers.get(m.id);
    if (b === undefined) return;
    buffers.delete(m.id);
    const keys = groupsOf.get(m.id);
    if (keys !== undefined) {
      for (const k of keys) groups.delete(k);
      groupsOf.delete(m.id);
    }
    // commands already encoded may use it: destroyed after they are submitted
    if (encoder === null) b.destroy(); else trash.push(b);
  },
  clear(m) {
    scoped('clear buffer', () => { endPass(); enc().clearBuffer(buffers.get(m.id)); });
  },
  upload(m) {
    scoped('upload', () => {
      endPass();
      const s = staged(m.data);
      enc().copyBufferToBuffer(s, 0, buffers.get(m.id), 0, s.size);
    });
  },
  dispatch(m) {
    const psize = m.params ? Math.max(16, (m.params.byteLength + 15) & ~15) : 0;
    if (psize > 0 && ringUsed + psize > ${UNIFORM_RING}) submit();
    scoped("dispatch '" + m.key + "'", () => {
      const p = pipelineFor(m);
      const gk = m.key + '|' + m.ids.join(',') + '|' + psize;
      let group = groups.get(gk);
      if (group === undefined) {
        const entries = m.ids.map((id, i) => {
          const b = buffers.get(id);
          if (b === undefined) throw new Error('binding ' + i + ' names a freed buffer');
          return { binding: i, resource: { buffer: b } };
        });
        if (psize > 0) entries.push({ binding: m.ids.length, resource: { buffer: uniformRing(), offset: 0, size: psize } });
        group = device.createBindGroup({ layout: p.layout, entries });
        if (groups.size >= ${MAX_GROUPS}) { groups.clear(); groupsOf.clear(); }
        groups.set(gk, group);
        for (const id of m.ids) {
          let keys = groupsOf.get(id);
          if (keys === undefined) groupsOf.set(id, (keys = new Set()));
          keys.add(gk);
        }
      }
      if (pass === null) pass = enc().beginComputePass();
      pass.setPipeline(p.pipeline);
      if (psize > 0) {
        const off = ringUsed;
        ringBytes.set(new Uint8Array(m.params), off);
        ringUsed = off + Math.ceil(psize / ringAlign) * ringAlign;
        pass.setBindGroup(0, group, [off]);
      } else {
        pass.setBindGroup(0, group);
      }
      pass.dispatchWorkgroups(m.wg[0], m.wg[1], m.wg[2]);
    });
    if (++batched >= ${MAX_BATCH}) submit();
  },
  flush() {
    submit();
  },
  async read(m) {
    const size = Math.max(4, (m.bytes + 3) & ~3);
    if (readStaging === null || readStaging.size < size) {
      if (readStaging !== null) readStaging.destroy();
      readStaging = device.createBuffer({ size: Math.max(size, 1 << 16), usage: MAP_READ | COPY_DST });
    }
    scoped('read back', () => { endPass(); enc().copyBufferToBuffer(buffers.get(m.id), 0, readStaging, 0, size); });
    submit();
    try {
      await readStaging.mapAsync(1, 0, size);
      new Uint8Array(m.sab, 0, m.bytes).set(new Uint8Array(readStaging.getMappedRange(0, size), 0, m.bytes));
      readStaging.unmap();
    } catch (e) {
      fail('read back', e);
    }
    const pending = checks;
    checks = [];
    await Promise.all(pending);
    answer(m);
  },
  stop() {
    submit();
    if (device) device.destroy();
    if (!isNode) close();
    else process.exit(0);
  },
};
function answer(m) {
  const I = new Int32Array(ctl);
  if (firstError !== null) {
    const bytes = new TextEncoder().encode(firstError.slice(0, 4000));
    const n = Math.min(bytes.length, m.sab.byteLength);
    new Uint8Array(m.sab, 0, n).set(bytes.subarray(0, n));
    I[${CTL.LENGTH}] = n;
    I[${CTL.STATUS}] = 1;
    firstError = null;
  } else {
    I[${CTL.STATUS}] = 0;
  }
  Atomics.store(I, ${CTL.DONE}, 1);
  Atomics.notify(I, ${CTL.DONE});
}
async function init(m) {
  ctl = m.ctl;
  let gpu = typeof navigator !== 'undefined' && navigator.gpu ? navigator.gpu : null;
  if (gpu === null && isNode && m.module) {
    const dawn = await import(m.module);
    const api = dawn.default && dawn.default.create ? dawn.default : dawn;
    if (api.globals) Object.assign(globalThis, api.globals);
    gpu = api.create([]);
  }
  if (!gpu) throw new Error(isNode
    ? "no WebGPU implementation in Node: install the 'webgpu' package (Dawn's Node binding)"
    : 'navigator.gpu is undefined in a worker of this browser (no WebGPU; Chromium on Linux needs --enable-unsafe-webgpu)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter (navigator.gpu.requestAdapter() returned null)');
  const L = adapter.limits;
  const want = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
    'maxStorageBuffersPerShaderStage'];
  const requiredLimits = {};
  for (const k of want) if (typeof L[k] === 'number') requiredLimits[k] = L[k];
  device = await adapter.requestDevice({ requiredLimits });
  device.lost.then((info) => fail('device lost', new Error(info.message || info.reason)));
  const ai = adapter.info || (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
  const D = device.limits;
  return {
    vendor: ai.vendor || '', architecture: ai.architecture || '', device: ai.device || '',
    description: ai.description || '', isFallbackAdapter: !!(adapter.isFallbackAdapter || ai.isFallbackAdapter),
    limits: {
      maxComputeWorkgroupSizeX: D.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: D.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupStorageSize: D.maxComputeWorkgroupStorageSize,
      maxStorageBufferBindingSize: D.maxStorageBufferBindingSize,
      maxComputeWorkgroupsPerDimension: D.maxComputeWorkgroupsPerDimension,
      maxBufferSize: D.maxBufferSize,
    },
  };
}
const queue = [];
let running = false;
async function drain() {
  running = true;
  while (queue.length > 0) {
    const m = queue.shift();
    if (m.op === 'init') {
      try { post({ op: 'ready', info: await init(m) }); }
      catch (e) { post({ op: 'failed', reason: e && e.message ? e.message : String(e) }); }
      continue;
    }
    try {
      const r = handlers[m.op](m);
      if (r && typeof r.then === 'function') await r;
    } catch (e) {
      fail(m.op, e);
      if (m.op === 'read') answer(m);
    }
  }
  running = false;
}
function onMessage(m) {
  queue.push(m);
  if (!running) drain();
}
if (isNode) import('node:worker_threads').then((wt) => { post = (m) => wt.parentPort.postMessage(m); wt.parentPort.on('message', onMessage); });
else self.onmessage = (e) => onMessage(e.data);
`;
