/**
 * Reverse-mode automatic differentiation. Each op that produces a tensor from inputs that
 * require gradients records a GradFn on its output; `backward` walks that graph in reverse
 * topological order and then releases it, so memory stays flat across training steps.
 */
import type { Tensor } from '../tensor/tensor.js';

/** The backward rule of one recorded op. */
export interface GradFn {
  /** Op name, for debugging and graph printing. */
  readonly name: string;
  /** The op's tensor inputs, in the order backward returns their gradients. */
  readonly inputs: readonly Tensor[];
  /** Given d(loss)/d(output), returns d(loss)/d(input) for each input (null if none). */
  backward(grad: Tensor): (Tensor | null)[];
}

let gradEnabled = true;

/** Whether ops record the graph right now. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording any graph (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try { return fn(); } finally { gradEnabled = prev; }
}

/** Runs fn with graph recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try { return fn(); } finally { gradEnabled = prev; }
}

/** Attaches a backward rule to `out` when grad mode is on and some input requires grad. */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], backward: (grad: Tensor) => (Tensor | null)[]): Tensor {
  if (!gradEnabled) return out;
  let needed = false;
  for (const t of inputs) if (t.requiresGrad) { needed = true; break; }
  if (!needed) return out;
  out.requiresGrad = true;
  out.gradFn = { name, inputs, backward };
  return out;
}

/** Tensors reachable from root through gradFn links, in topological order (inputs first). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn ? t.gradFn.inputs : [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const child = inputs[i];
      if (child.requiresGrad && !seen.has(child)) { seen.add(child); stack.push([child, 0]); }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order;
}

/**
 * Back-propagates from root. `grad` defaults to ones for a scalar root. Leaf tensors with
 * requiresGrad accumulate into `.grad`. The graph is released unless retainGraph is set.
 */
export function runBackward(root: Tensor, grad: Tensor, retainGraph: boolean): void {
  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, grad);
  noGrad(() => {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      grads.delete(t);
      if (!g) continue;
      const fn = t.gradFn;
      if (!fn) {
        // a fresh copy: a rule may pass its incoming gradient through to several inputs
        t.grad = t.grad ? t.grad.add(g) : g.clone();
        continue;
      }
      if (t.retainsGrad) t.grad = t.grad ? t.grad.add(g) : g;
      const inGrads = fn.backward(g);
      fn.inputs.forEach((inp, i) => {
        const gi = inGrads[i];
        if (!gi || !inp.requiresGrad) return;
        if (gi.shape.length !== inp.shape.length || gi.shape.some((d, j) => d !== inp.shape[j])) {
          throw new Error(`autograd: ${fn.name} returned a gradient of shape [${gi.shape.join(', ')}] for an input of shape [${inp.shape.join(', ')}]`);
        }
        const prev = grads.get(inp);
        grads.set(inp, prev ? prev.add(gi) : gi);
      });
    }
  });
  if (!retainGraph) for (const t of order) t.gradFn = null;
}
