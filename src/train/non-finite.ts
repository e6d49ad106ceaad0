/**
 * Divergence detection for training: NonFiniteError (a NaN or infinite loss, gradient or weight,
 * with the epoch and step where it appeared and what to do about it) and the cheap checks that
 * find one. A tensor is screened with one backend sum (NaN and ±Inf propagate through a sum);
 * only when that sum is not finite are its values scanned to confirm and locate the culprit.
 */
import { noGrad } from '../autograd/engine.js';
import type { Tensor } from '../tensor/tensor.js';

/** Where in a run a non-finite value appeared (0-based epoch and step). */
export interface NonFiniteAt {
  /** 'loss', 'gradient' (of `name`), 'weights' (parameter `name`) or 'input' (the batch). */
  what: 'loss' | 'gradient' | 'weights' | 'input';
  /** The epoch (0-based). */
  epoch: number;
  /** The step within the epoch (0-based). */
  step: number;
  /** The offending value (NaN, Infinity or -Infinity). */
  value: number;
  /** Parameter name for 'gradient' and 'weights'. */
  name?: string;
}

function describe(at: NonFiniteAt): string {
  const v = Number.isNaN(at.value) ? 'NaN' : String(at.value);
  switch (at.what) {
    case 'loss':
      return `the loss became ${v}`;
    case 'gradient':
      return `the gradient of '${at.name ?? '?'}' became ${v}`;
    case 'weights':
      return `the weight '${at.name ?? '?'}' became ${v}`;
    case 'input':
      return `the input batch contains ${v}`;
  }
}

/** A training run diverged (or was fed non-finite data); thrown by fit() before the bad update is applied. */
export class NonFiniteError extends Error {
  /** Always 'NonFiniteError'. */
  override name = 'NonFiniteError';
  /** Where it happened. */
  readonly at: NonFiniteAt;

  constructor(op: string, at: NonFiniteAt) {
    const hint =
      at.what === 'input'
        ? 'the data has NaN or infinite values: clean or normalise it'
        : 'training diverged: lower the learning rate (--lr), or clip gradients (clipGradNorm)';
    super(`${op}: ${describe(at)} at epoch ${at.epoch + 1}, step ${at.step + 1}; ${hint}`);
    this.at = at;
  }
}

/** The first non-finite value of t (scanned only after the cheap sum test failed), or null. */
function firstNonFiniteValue(t: Tensor): number | null {
  const total = noGrad(() => t.sum().item());
  if (Number.isFinite(total)) return null;
  const d = t.f32;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return d[i];
  return null; // the sum overflowed, but every value is finite
}

/** The first named tensor holding a NaN or ±Infinity, as [name, value], or null when all are finite. */
export function findNonFinite(tensors: Iterable<[string, Tensor]>): [string, number] | null {
  for (const [name, t] of tensors) {
    if (t.size === 0 || t.dtype !== 'float32') continue;
    const v = firstNonFiniteValue(t);
    if (v !== null) return [name, v];
  }
  return null;
}

/** The gradients of named parameters that have one, as [name, grad] pairs. */
export function namedGrads(params: Iterable<[string, Tensor]>): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  for (const [name, p] of params) if (p.grad) out.push([name, p.grad]);
  return out;
}
