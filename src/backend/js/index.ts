/** The reference backend: every kernel is the plain TypeScript reference of ../kernels.ts. */
import type { Backend } from '../backend.js';
import { completeBackend } from '../kernels.js';

/** Creates the reference backend. */
export function createJsBackend(): Backend {
  return completeBackend({
    name: 'js',
    describe: () => 'reference TypeScript loops, 1 thread',
    alloc: (n: number) => new Float32Array(n),
  });
}
