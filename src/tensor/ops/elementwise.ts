/** Elementwise arithmetic, comparisons and pointwise functions, with their gradients. */
import { record } from '../../autograd/engine.js';
import { getBackend, type BinaryOp, type UnaryOp } from '../../backend/index.js';
import { asTensor, empty, emptyUninit, f32, f32Storage } from '../alloc.js';
import { broadcastShapes, padShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';
import { expectTensor, expectTensorOrNumber } from './check.js';

/** Applies a unary backend kernel. */
export function mapUnary(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const out = emptyUninit(x.shape);
  getBackend().unary(op, f32Storage(x), out.storageF32, alpha);
  return out;
}

/** dx = g * op'(x) for a unary op that declares its derivative (the unaryBackward kernel); y = op(x). */
export function mapUnaryBackward(op: UnaryOp, x: Tensor, y: Tensor, g: Tensor, alpha = 0): Tensor {
  const dx = emptyUninit(g.shape);
  getBackend().unaryBackward(op, f32Storage(x), f32Storage(y), f32Storage(g), dx.storageF32, alpha);
  return dx;
}

/** Applies a broadcasting binary kernel. */
export function mapBinary(name: string, op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(name, a.shape, b.shape);
  const out = emptyUninit(shape, name);
  getBackend().binary(
    op,
    f32Storage(a),
    padShape(a.shape, shape.length),
    f32Storage(b),
    padShape(b.shape, shape.length),
    out.storageF32,
    shape,
  );
  return out;
}

/** a + b. */
export function add(a: Tensor, bIn: Tensor | number): Tensor {
  expectTensorOrNumber('add', 'other', bIn);
  if (typeof bIn === 'number') {
    const out = mapUnary('addScalar', a, bIn);
    return record(out, 'add', [a], (g) => [g]);
  }
  const b = bIn;
  const out = mapBinary('add', 'add', a, b);
  return record(out, 'add', [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

/** a - b. */
export function sub(a: Tensor, bIn: Tensor | number): Tensor {
  expectTensorOrNumber('sub', 'other', bIn);
  if (typeof bIn === 'number') return add(a, -bIn);
  const b = bIn;
  const out = mapBinary('sub', 'sub', a, b);
  return record(out, 'sub', [a, b], (g) => [sumTo(g, a.shape), sumTo(neg(g), b.shape)]);
}

/** a * b. */
export function mul(a: Tensor, bIn: Tensor | number): Tensor {
  expectTensorOrNumber('mul', 'other', bIn);
  if (typeof bIn === 'number') {
    const s = bIn;
    const out = mapUnary('mulScalar', a, s);
    return record(out, 'mul', [a], (g) => [mapUnary('mulScalar', g, s)]);
  }
  const b = bIn;
  const out = mapBinary('mul', 'mul', a, b);
  return record(out, 'mul', [a, b], (g) => [
    a.requiresGrad ? sumTo(mul(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, a), b.shape) : null,
  ]);
}

/** a / b. */
export function div(a: Tensor, bIn: Tensor | number): Tensor {
  expectTensorOrNumber('div', 'other', bIn);
  if (typeof bIn === 'number') return mul(a, 1 / bIn);
  const b = bIn;
  const out = mapBinary('div', 'div', a, b);
  return record(out, 'div', [a, b], (g) => [
    a.requiresGrad ? sumTo(div(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(neg(div(mul(g, out), b)), b.shape) : null,
  ]);
}

/** a ** b. */
export function pow(a: Tensor, bIn: Tensor | number): Tensor {
  expectTensorOrNumber('pow', 'other', bIn);
  if (typeof bIn === 'number') {
    const e = bIn;
    const out = e === 2 ? mapUnary('square', a) : mapUnary('powScalar', a, e);
    // x^0 is constant: its gradient is 0 everywhere (not 0 * x^-1, which is NaN at x = 0)
    if (e === 0) return record(out, 'pow', [a], () => [empty(a.shape)]);
    return record(out, 'pow', [a], (g) => [mul(g, mul(e === 2 ? a : mapUnary('powScalar', a, e - 1), e))]);
  }
  const b = bIn;
  const out = mapBinary('pow', 'pow', a, b);
  return record(out, 'pow', [a, b], (g) => [
    a.requiresGrad ? sumTo(mul(g, mul(b, mapBinary('pow', 'pow', a, sub(b, 1)))), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, mul(out, safeLog(a))), b.shape) : null,
  ]);
}

/** ln a with ln 0 taken as 0: d(a^b)/db = a^b ln a is 0 at a = 0 (b > 0), as in PyTorch. */
function safeLog(a: Tensor): Tensor {
  const l = mapUnary('log', a),
    la = l.f32,
    ad = f32(a);
  for (let i = 0; i < la.length; i++) if (ad[i] === 0) la[i] = 0;
  return l;
}

/** -x. */
export function neg(x: Tensor): Tensor {
  return record(mapUnary('neg', x), 'neg', [x], (g) => [mapUnary('neg', g)]);
}

/** e^x. */
export function exp(x: Tensor): Tensor {
  const out = mapUnary('exp', x);
  return record(out, 'exp', [x], (g) => [mul(g, out)]);
}

/** ln x. */
export function log(x: Tensor): Tensor {
  return record(mapUnary('log', x), 'log', [x], (g) => [div(g, x)]);
}

/** sqrt x. */
export function sqrt(x: Tensor): Tensor {
  const out = mapUnary('sqrt', x);
  return record(out, 'sqrt', [x], (g) => [div(g, mul(out, 2))]);
}

/** |x|; the gradient at 0 is 0, as in PyTorch. */
export function abs(x: Tensor): Tensor {
  return record(mapUnary('abs', x), 'abs', [x], (g) => [mul(g, mapUnary('sign', x))]);
}

/** x * x. */
export function square(x: Tensor): Tensor {
  return record(mapUnary('square', x), 'square', [x], (g) => [mul(g, mul(x, 2))]);
}

/** sign(x), not differentiable (zero gradient). */
export function sign(x: Tensor): Tensor {
  return mapUnary('sign', x);
}

/** Clamps to [min, max]; gradient passes where the value was not clipped. */
export function clamp(x: Tensor, min: number | null, max: number | null): Tensor {
  if (min !== null && typeof min !== 'number') throw new TypeError('clamp: min must be a number or null');
  if (max !== null && typeof max !== 'number') throw new TypeError('clamp: max must be a number or null');
  let out = x;
  if (min !== null) out = mapBinary('clamp', 'maximum', out, asTensor(min));
  if (max !== null) out = mapBinary('clamp', 'minimum', out, asTensor(max));
  if (out === x) out = mapUnary('addScalar', x, 0);
  return record(out, 'clamp', [x], (g) => {
    let mask = mapUnary('addScalar', x, 0).fill_(1);
    if (min !== null) mask = mul(mask, mapBinary('clamp', 'ge', x, asTensor(min)));
    if (max !== null) mask = mul(mask, mapBinary('clamp', 'le', x, asTensor(max)));
    return [mul(g, mask)];
  });
}

function extremum(name: 'maximum' | 'minimum', a: Tensor, bIn: Tensor | number): Tensor {
  expectTensorOrNumber(name, 'other', bIn);
  const b = asTensor(bIn);
  const out = mapBinary(name, name, a, b);
  return record(out, name, [a, b], (g) => {
    // ties split the gradient evenly, as PyTorch does
    const winA = mapBinary(name, name === 'maximum' ? 'gt' : 'lt', a, b);
    const tie = mapBinary(name, 'eq', a, b);
    const wa = add(winA, mul(tie, 0.5));
    const wb = sub(mul(wa, -1), -1);
    return [sumTo(mul(g, wa), a.shape), sumTo(mul(g, wb), b.shape)];
  });
}

/** Elementwise maximum. */
export function maximum(a: Tensor, b: Tensor | number): Tensor {
  return extremum('maximum', a, b);
}
/** Elementwise minimum. */
export function minimum(a: Tensor, b: Tensor | number): Tensor {
  return extremum('minimum', a, b);
}

/** Comparison giving a float32 mask of ones and zeros (not differentiable). */
export function compare(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: Tensor, b: Tensor | number): Tensor {
  expectTensorOrNumber(op, 'other', b);
  return mapBinary(op, op, a, asTensor(b));
}

/** max(0, x). */
export function relu(x: Tensor): Tensor {
  expectTensor('relu', 'input', x);
  const out = mapUnary('relu', x);
  return record(out, 'relu', [x], (g) => [reluBackward(out, g)]);
}

/** ReLU's input gradient from its output y: g where y > 0, else 0 (one fused kernel when the backend has it). */
function reluBackward(y: Tensor, g: Tensor): Tensor {
  const be = getBackend();
  if (!be.reluBackward) return mul(g, mapBinary('relu', 'gt', y, asTensor(0)));
  const dx = emptyUninit(y.shape);
  be.reluBackward(y.storageF32, f32Storage(g), dx.storageF32);
  return dx;
}

/** 1 / (1 + e^-x), computed without overflow. */
export function sigmoid(x: Tensor): Tensor {
  expectTensor('sigmoid', 'input', x);
  const out = mapUnary('sigmoid', x);
  return record(out, 'sigmoid', [x], (g) => [mul(g, mul(out, sub(asTensor(1), out)))]);
}

/** tanh x. */
export function tanh(x: Tensor): Tensor {
  expectTensor('tanh', 'input', x);
  const out = mapUnary('tanh', x);
  return record(out, 'tanh', [x], (g) => [mul(g, sub(asTensor(1), square(out)))]);
}

/** True if the two tensors have equal shapes. */
export function shapesEqual(a: Tensor, b: Tensor): boolean {
  return sameShape(a.shape, b.shape);
}
