/**
 * Type checks at the public API boundary: a plain array, number or undefined passed where a
 * Tensor is expected gets a message naming the op and the argument and saying how to fix it,
 * instead of a TypeError from deep inside a kernel.
 */
import { Tensor } from '../tensor.js';

/** What a value is, in words, for error messages ("an array", "a number 3", "undefined"). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
  if (typeof v === 'object') {
    const name = (v as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return `a ${typeof v}`;
}

/** The fix to suggest for a non-Tensor value. */
function hint(v: unknown): string {
  if (Array.isArray(v) || ArrayBuffer.isView(v) || typeof v === 'number') return '; wrap it with tensor(...)';
  return '';
}

/** Throws a TypeError unless x is a Tensor: "<op>: <what> expected a Tensor, got an array; wrap it with tensor(...)". */
export function expectTensor(op: string, what: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor))
    throw new TypeError(`${op}: ${what} expected a Tensor, got ${describeValue(x)}${hint(x)}`);
}

/** Like expectTensor, but a number is also accepted (the second operand of add, mul, ...). */
export function expectTensorOrNumber(op: string, what: string, x: unknown): asserts x is Tensor | number {
  if (typeof x !== 'number' && !(x instanceof Tensor)) {
    throw new TypeError(`${op}: ${what} expected a Tensor or a number, got ${describeValue(x)}${hint(x)}`);
  }
}
