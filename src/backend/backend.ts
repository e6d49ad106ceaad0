/**
 * The backend type and the geometry structs kernels take. The kernels themselves are declared
 * once in ./kernels.ts (elementwise ops in ./ops.ts); every numeric kernel convkit runs goes
 * through them. Kernels work on contiguous, row-major typed arrays that the backend itself
 * allocated with `alloc` (so a WASM backend can hand out views into its own linear memory and
 * run kernels without copying), plus plain numbers describing shapes. A kernel author only
 * needs this folder.
 */

export type { UnaryOp, BinaryOp, ReduceOp, ArgReduceOp } from './ops.js';
import type { BackendInfo, Kernels } from './kernels.js';

/** Geometry of a 2-D convolution (conv1d uses h = 1). Padding may be asymmetric ('same'). */
export interface Conv2dGeometry {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number; // bottom/right padding is implied by outH/outW
  dilationH: number;
  dilationW: number;
  groups: number;
  outH: number;
  outW: number;
}

/** Geometry of a 2-D pooling window (pool1d uses h = 1). */
export interface Pool2dGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  dilationH: number;
  dilationW: number;
  outH: number;
  outW: number;
}

/**
 * A complete backend: its info plus every kernel of the table in ./kernels.ts (the kernels it
 * does not implement itself are the reference ones, filled in by `completeBackend`).
 */
export interface Backend extends BackendInfo, Kernels {}
