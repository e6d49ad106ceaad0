/**
 * Allocation limits: every tensor allocation (creation functions and the op allocator) checks
 * its shape here first, so that an impossible or absurd size is an error naming the op and the
 * shape instead of a raw "Invalid typed array length" or a machine paging gigabytes in.
 *
 * The limit is MAX_TENSOR_ELEMENTS (2**31 - 1: kernels index elements with 32-bit integers)
 * and, when CONVKIT_MAX_TENSOR_MB is set (read once, at the first allocation), that many MiB
 * of storage per tensor.
 */
import { getenv } from '../platform.js';
import { fmt } from './shape.js';

/** Most elements one tensor may have (2**31 - 1). */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

// CONVKIT_MAX_TENSOR_MB, read at the first allocation (this check runs on every one); not at
// import, so that a bad value is an error the caller reports rather than a failure to load
let budgetRead = false;
let budgetMB: number | undefined;

function bytesText(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes,
    u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} bytes` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/**
 * Checks that a tensor of `shape` may be allocated: every entry a non-negative integer, at most
 * MAX_TENSOR_ELEMENTS elements and at most CONVKIT_MAX_TENSOR_MB MiB (4 bytes per element).
 * Returns the element count; throws a RangeError naming `op` and the shape otherwise.
 */
export function checkAllocation(op: string, shape: readonly number[]): number {
  if (!Array.isArray(shape))
    throw new TypeError(`${op}: shape must be an array of non-negative integers, got ${String(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new RangeError(`${op}: shape ${fmt(shape)} must contain non-negative integers (got ${String(d)})`);
    n *= d;
  }
  const bytes = n * 4;
  if (!budgetRead) {
    budgetMB = getenv('CONVKIT_MAX_TENSOR_MB');
    budgetRead = true;
  }
  if (n > MAX_TENSOR_ELEMENTS) {
    throw new RangeError(
      `${op}: shape ${fmt(shape)} has ${n.toLocaleString('en-US')} elements (${bytesText(bytes)} of float32); ` +
        `one tensor may have at most ${MAX_TENSOR_ELEMENTS.toLocaleString('en-US')} elements (use a smaller shape or batch)`,
    );
  }
  if (budgetMB !== undefined && bytes > budgetMB * 2 ** 20) {
    throw new RangeError(
      `${op}: shape ${fmt(shape)} needs ${bytesText(bytes)}, more than CONVKIT_MAX_TENSOR_MB=${budgetMB} allows per tensor`,
    );
  }
  return n;
}
