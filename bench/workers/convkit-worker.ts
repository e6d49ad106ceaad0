// Benchmark worker for convkit on one backend (argv[2] = 'native' | 'wasm' | 'js'); the thread
// count comes from CONVKIT_THREADS. The workloads are in convkit-workloads.ts.
import { getBackend, manualSeed, setBackend } from '../../src/index.js';
import { convkitWorkloads } from './convkit-workloads.js';
// @ts-expect-error plain ESM helper shared with the tfjs worker
import { serve } from './protocol.mjs';

const backendName = process.argv[2] ?? 'native';
setBackend(backendName);
manualSeed(0);
serve({ framework: `convkit-${backendName}`, version: getBackend().describe(), notes: '' }, convkitWorkloads());
