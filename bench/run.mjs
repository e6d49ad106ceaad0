#!/usr/bin/env node
// `npm run bench`: convkit (each backend) against TensorFlow.js (cpu, wasm), PyTorch CPU and
// onnxruntime-node (when installed), on the same workloads, in the same run, all limited to
// the same thread count. Frameworks run as long-lived worker processes and are interleaved
// round by round so machine drift hits all alike. Prints medians and ratios; writes
// bench/results/latest.json.
//
//   npm run bench                 full run (3 rounds)
//   npm run bench -- --quick      quick subset (1 round, short timings, no slow peers)
//   options: --rounds N --seconds S --threads T --only fw1,fw2 --workloads w1,w2
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    threads: { type: 'string', default: '2' },
    only: { type: 'string' },
    workloads: { type: 'string' },
  },
});
const quick = opt.quick;
const rounds = Number(opt.rounds ?? (quick ? 1 : 3));
const seconds = Number(opt.seconds ?? (quick ? 0.6 : 2));
const threads = Number(opt.threads);

const WORKLOADS = [
  { name: 'lenet-train', unit: 'img/s', label: 'LeNet-5 train, batch 64' },
  { name: 'lenet-infer', unit: 'img/s', label: 'LeNet-5 inference, batch 256' },
  { name: 'fashion-train', unit: 'img/s', label: 'Keras Fashion CNN train, batch 32' },
  { name: 'fashion-infer', unit: 'img/s', label: 'Keras Fashion CNN inference, batch 64' },
  { name: 'conv-fwd', unit: 'GFLOPS', label: 'conv 3x3 64->64, b32 56x56, forward' },
  { name: 'conv-fwd-bwd', unit: 'GFLOPS', label: 'conv 3x3 64->64, b32 56x56, fwd+bwd' },
  { name: 'sgemm-1024', unit: 'GFLOPS', label: 'sgemm 1024' },
  { name: 'dataloader', unit: 'img/s', label: 'DataLoader, 60,000 1x28x28 shuffled, batch 64' },
].filter((w) => !opt.workloads || opt.workloads.split(',').includes(w.name));

const env = {
  ...process.env,
  BENCH_THREADS: String(threads),
  CONVKIT_THREADS: String(threads),
  OMP_NUM_THREADS: String(threads),
  OPENBLAS_NUM_THREADS: String(threads),
  OPENBLAS_CORETYPE: 'SkylakeX',
};
const tsx = ['--import', 'tsx'];

function hasTorch() {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

// a workload a framework would need minutes for is skipped in quick mode
const slow = {
  'convkit-js': ['fashion-train', 'fashion-infer', 'conv-fwd', 'conv-fwd-bwd', 'sgemm-1024'],
  'tfjs-cpu': ['fashion-train', 'fashion-infer', 'conv-fwd-bwd'],
};

const FRAMEWORKS = [
  { name: 'convkit-native', cmd: process.execPath, args: [...tsx, join(here, 'workers/convkit-worker.ts'), 'native'] },
  { name: 'convkit-wasm', cmd: process.execPath, args: [...tsx, join(here, 'workers/convkit-worker.ts'), 'wasm'] },
  { name: 'convkit-js', cmd: process.execPath, args: [...tsx, join(here, 'workers/convkit-worker.ts'), 'js'] },
  { name: 'tfjs-cpu', cmd: process.execPath, args: [join(here, 'workers/tfjs-worker.mjs'), 'cpu'] },
  { name: 'tfjs-wasm', cmd: process.execPath, args: [join(here, 'workers/tfjs-worker.mjs'), 'wasm'] },
  { name: 'pytorch', python: true, args: [join(here, 'workers/torch_worker.py')] },
  // PyTorch is often fastest on LeNet-sized work with one thread: measure its best count too
  {
    name: 'pytorch-1t',
    python: true,
    args: [join(here, 'workers/torch_worker.py')],
    env: { BENCH_THREADS: '1', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  },
  { name: 'onnxruntime-node', cmd: process.execPath, args: [join(here, 'workers/ort-worker.mjs')] },
].filter((f) => !opt.only || opt.only.split(',').includes(f.name));

class Worker {
  constructor(fw) {
    this.fw = fw;
    this.proc = spawn(fw.cmd, fw.args, { cwd: root, env: { ...env, ...fw.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.pending = new Map();
    this.nextId = 1;
    this.stderr = '';
    this.proc.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-2000);
    });
    this.ready = new Promise((resolve) => {
      const rl = createInterface({ input: this.proc.stdout });
      rl.on('line', (line) => {
        let msg;
        try {
          msg = JSON.parse(line);
        } catch {
          return;
        }
        if (msg.ready) {
          this.info = msg;
          resolve(true);
          return;
        }
        const p = this.pending.get(msg.id);
        if (p) {
          this.pending.delete(msg.id);
          p(msg);
        }
      });
      this.proc.on('exit', () => {
        resolve(false);
        for (const p of this.pending.values())
          p({ error: `worker exited: ${this.stderr.trim().split('\n').slice(-1)[0] ?? ''}` });
        this.pending.clear();
      });
      this.proc.on('error', () => resolve(false));
    });
  }
  request(workload, secs) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.proc.stdin.write(JSON.stringify({ id, workload, seconds: secs }) + '\n');
    });
  }
  close() {
    this.proc.stdin.end();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtNum = (v) => (v >= 1000 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toPrecision(3));

async function main() {
  const py = hasTorch();
  const workers = [];
  const skipped = {};
  for (const fw of FRAMEWORKS) {
    if (fw.python) {
      if (!py) {
        skipped[fw.name] = 'python3 -c "import torch" failed (apt install python3-torch libopenblas0-pthread)';
        continue;
      }
      fw.cmd = py;
    }
    if (fw.name === 'onnxruntime-node') {
      try {
        await import('onnxruntime-node');
      } catch {
        skipped[fw.name] = 'onnxruntime-node not installed (it is a devDependency: npm ci)';
        continue;
      }
    }
    const w = new Worker(fw);
    const ok = await Promise.race([w.ready, new Promise((r) => setTimeout(() => r(false), 60000))]);
    if (!ok) {
      skipped[fw.name] = `worker failed to start: ${w.stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
      w.proc.kill();
      continue;
    }
    workers.push(w);
  }
  const samples = {}; // fw -> workload -> values
  const errors = {};
  for (let r = 0; r < rounds; r++) {
    for (const wl of WORKLOADS) {
      const order = workers.map((_, i) => workers[(i + r) % workers.length]);
      for (const w of order) {
        const name = w.fw.name;
        if (quick && slow[name]?.includes(wl.name)) {
          (errors[name] ??= {})[wl.name] = 'skipped in --quick (too slow)';
          continue;
        }
        if (errors[name]?.[wl.name] && !samples[name]?.[wl.name]) continue; // unsupported: ask once
        const reply = await w.request(wl.name, seconds);
        if (reply.error) (errors[name] ??= {})[wl.name] = reply.error;
        else ((samples[name] ??= {})[wl.name] ??= []).push(reply.value);
        process.stderr.write(
          `round ${r + 1}/${rounds} ${wl.name.padEnd(14)} ${name.padEnd(17)} ${reply.error ? 'n/a: ' + reply.error : fmtNum(reply.value) + ' ' + wl.unit}\n`,
        );
      }
    }
  }
  for (const w of workers) w.close();

  const results = {};
  for (const [fw, m] of Object.entries(samples))
    for (const [wl, vs] of Object.entries(m)) (results[fw] ??= {})[wl] = median(vs);
  const fwNames = workers.map((w) => w.fw.name);
  const lines = [];
  lines.push(
    `convkit benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} logical cores), Node ${process.version}, ${threads} thread(s), load ${loadavg()[0].toFixed(2)}, medians of ${rounds} round(s)`,
  );
  const head = ['workload', ...fwNames];
  const rows = WORKLOADS.map((wl) => [
    `${wl.label} (${wl.unit})`,
    ...fwNames.map((fw) => {
      const v = results[fw]?.[wl.name];
      return v === undefined ? (errors[fw]?.[wl.name]?.startsWith('skipped') ? 'skipped' : 'n/a') : fmtNum(v);
    }),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmtRow = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  lines.push(fmtRow(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(fmtRow));
  // ratios: best convkit backend against each peer
  const ratios = {};
  lines.push('', 'Ratios (best convkit backend / peer; > 1 means convkit is faster):');
  for (const wl of WORKLOADS) {
    const ck = fwNames
      .filter((f) => f.startsWith('convkit'))
      .map((f) => [f, results[f]?.[wl.name]])
      .filter(([, v]) => v !== undefined);
    if (ck.length === 0) continue;
    const [bestName, best] = ck.reduce((a, b) => (b[1] > a[1] ? b : a));
    const parts = [];
    for (const peer of fwNames.filter((f) => !f.startsWith('convkit'))) {
      if (peer === 'pytorch' && (results['pytorch-1t']?.[wl.name] ?? 0) > (results[peer]?.[wl.name] ?? 0)) continue; // compare with PyTorch's best thread count
      if (peer === 'pytorch-1t' && (results.pytorch?.[wl.name] ?? 0) >= (results[peer]?.[wl.name] ?? 0)) continue;
      const v = results[peer]?.[wl.name];
      if (v === undefined) continue;
      (ratios[wl.name] ??= { convkit: bestName })[peer] = best / v;
      parts.push(`${(best / v).toFixed(2)}x ${peer}`);
    }
    if (parts.length) lines.push(`  ${wl.name.padEnd(14)} ${bestName}: ${parts.join(', ')}`);
  }
  const notes = Object.entries(errors).flatMap(([fw, m]) => Object.entries(m).map(([wl, e]) => `${fw} ${wl}: ${e}`));
  for (const [fw, why] of Object.entries(skipped)) notes.push(`${fw}: ${why}`);
  for (const w of workers) if (w.info?.notes) notes.push(`${w.fw.name}: ${w.info.notes}`);
  if (notes.length) lines.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  console.log(lines.join('\n'));
  const out = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, logicalCores: cpus().length, node: process.version, load1: loadavg()[0] },
    threads,
    rounds,
    seconds,
    quick,
    versions: Object.fromEntries(workers.map((w) => [w.fw.name, w.info?.version ?? w.info?.describe ?? ''])),
    results,
    ratios,
    notes,
    table: lines.join('\n'),
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  const file = join(here, 'results/latest.json');
  writeFileSync(file + '.tmp', JSON.stringify(out, null, 2));
  renameSync(file + '.tmp', file);
  console.log(`\nwrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
