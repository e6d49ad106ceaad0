/** `convkit info`: version, Node, the chosen backend and why other backends are unavailable. */
import { readFileSync } from 'node:fs';
import { backendFailure, getBackend, listBackends, setBackend, type Backend } from '../../backend/index.js';
import { loadNativeAddon } from '../../backend/native/index.js';
import { initWebGPU } from '../../backend/webgpu/index.js';
import { getenv } from '../../platform.js';
import { selectBackend, parseCommand } from '../options.js';
import { paint } from '../style.js';

/** Help text of `convkit info`. */
export const INFO_USAGE = `convkit info [--backend NAME] [--json]`;

/** The package version from package.json (at the package root, three levels above this file). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Threads a backend's large kernels run on (the wasm workers that started; the native pool's size). */
function threadsOf(b: Backend): number {
  const t = (b as { threads?: unknown }).threads;
  if (typeof t === 'number') return t;
  if (b.name === 'native') return loadNativeAddon().threads();
  return 1;
}

/** Waits until every loadable backend's threads have started (wasm workers start asynchronously). */
async function threadsStarted(): Promise<void> {
  const chosen = getBackend();
  for (const name of listBackends()) {
    try {
      const b = setBackend(name) as { ready?: () => Promise<number> };
      if (typeof b.ready === 'function') await b.ready();
    } catch {
      // reported by backendReport
    }
  }
  setBackend(chosen.name);
}

/** Status of every registered backend: loaded (with describe() and its thread count) or the reason it failed. */
export function backendReport(): {
  chosen: string;
  description: string;
  backends: { name: string; available: boolean; description?: string; threads?: number; reason?: string }[];
} {
  const chosen = getBackend();
  const backends = listBackends().map((name) => {
    try {
      const b = setBackend(name);
      return { name, available: true, description: b.describe(), threads: threadsOf(b) };
    } catch {
      return { name, available: false, reason: backendFailure(name) ?? 'failed to load' };
    }
  });
  setBackend(chosen.name);
  return { chosen: chosen.name, description: chosen.describe(), backends };
}

/** Runs `convkit info`; returns the exit code. */
export async function infoCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      backend: { type: 'string' },
    },
    INFO_USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  selectBackend(values.backend);
  await threadsStarted();
  // webgpu starts only on request: try it, so that its line names the real reason when it cannot run
  await initWebGPU().catch(() => undefined);
  const report = backendReport();
  const info = {
    version: packageVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    envBackend: getenv('CONVKIT_BACKEND') ?? null,
    ...report,
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(info) + '\n');
    return 0;
  }
  const out = process.stdout;
  const lines = [
    `convkit ${info.version}  (Node ${info.node}, ${info.platform})`,
    `backend: ${paint(out, 'bold', info.chosen)} — ${info.description}${info.envBackend ? `  (CONVKIT_BACKEND=${info.envBackend})` : ''}`,
    'available backends:',
    ...info.backends.map((b) =>
      b.available
        ? `  ${paint(out, 'green', '✓')} ${b.name.padEnd(8)} ${b.description}`
        : `  ${paint(out, 'red', '✗')} ${b.name.padEnd(8)} ${b.reason}`,
    ),
  ];
  out.write(lines.join('\n') + '\n');
  return 0;
}
