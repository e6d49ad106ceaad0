/**
 * Small helpers shared by the explain traces: checking grids given by a caller, turning
 * tensors into grids and back, and reading option pairs.
 */
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Grid } from './types.js';

/** Checks that `g` is a non-empty rectangular grid (or a 1-D list, as one row) of finite numbers. */
export function toGrid(op: string, field: string, g: unknown): Grid {
  const rows = Array.isArray(g) && g.length > 0 && !Array.isArray(g[0]) ? [g] : g;
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0]) || rows[0].length === 0)
    throw new TypeError(`${op}: ${field} must be a non-empty list of numbers or a list of equal-length rows`);
  const w = (rows[0] as unknown[]).length;
  return rows.map((row, r) => {
    if (!Array.isArray(row) || row.length !== w)
      throw new RangeError(
        `${op}: ${field} row ${r} has ${Array.isArray(row) ? row.length : 'no'} entries, row 0 has ${w}`,
      );
    return row.map((v, c) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new TypeError(`${op}: ${field}[${r}][${c}] must be a finite number, got ${String(v)}`);
      return v;
    });
  });
}

/** A grid as a tensor of shape [1, 1, H, W] (or [1, 1, W] when `oneD`). */
export function gridTensor(g: Grid, oneD = false): Tensor {
  const t = tensor(g);
  return oneD ? t.reshape(1, 1, g[0].length) : t.reshape(1, 1, g.length, g[0].length);
}

/** The data of a [.., H, W] tensor as an H x W grid. */
export function tensorGrid(t: Tensor, h: number, w: number): Grid {
  const flat = Array.from(t.data as ArrayLike<number>);
  return Array.from({ length: h }, (_, r) => flat.slice(r * w, r * w + w));
}

/** Reads a number-or-pair option as a pair of non-negative (or positive) integers. */
export function pair(
  op: string,
  name: string,
  v: number | readonly number[] | undefined,
  def: number,
  min: number,
): [number, number] {
  const p = v === undefined ? [def, def] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  for (const x of p)
    if (!Number.isInteger(x) || (x as number) < min)
      throw new RangeError(`${op}: ${name} must be an integer >= ${min} (or a pair of them), got ${JSON.stringify(v)}`);
  return p as [number, number];
}
