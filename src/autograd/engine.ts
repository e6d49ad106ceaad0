/**
 * Reverse-mode automatic differentiation. Each op that produces a tensor from inputs that
 * require gradients records a GradFn on its output; `backward` walks that graph in reverse
 * topological order and then releases it, so memory stays flat across training steps.
 */
import type { Tensor, TensorData } from '../tensor/tensor.js';
import { captureAllocations, recycle } from '../tensor/alloc.js';

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

/** Tensors whose graph a backward pass released, mapped to the name of the op that made them. */
const released = new WeakMap<Tensor, string>();

/** Intermediate results nothing outside the graph refers to (see markInternal). */
const internal = new WeakSet<Tensor>();

/**
 * Marks t as an intermediate result that only the graph refers to (a Sequential's activation
 * between two layers that keep no references): when a backward pass releases the graph, t's
 * storage is recycled for later allocations.
 */
export function markInternal(t: Tensor): void {
  internal.add(t);
}

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
  // a tensor that lost its gradFn to an earlier backward would otherwise pass for a leaf
  // and silently soak up the gradient; refuse before touching any .grad
  for (const t of order) {
    const op = t.gradFn === null ? released.get(t) : undefined;
    if (op !== undefined) {
      throw new Error(`backward(): trying to backward through the graph a second time: the graph behind a tensor of shape [${t.shape.join(', ')}] made by '${op}' was released by an earlier backward(); pass { retainGraph: true } to that first backward() if you need to call it twice`);
    }
  }
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, grad);
  // storage bookkeeping: how many pending gradients use each buffer, the buffers this pass
  // allocated, and those that leave it as a .grad; the pass's other buffers are recycled
  const refs = new Map<TensorData, number>();
  const born = new Set<Float32Array>();
  const kept = new Set<TensorData>();
  const addRef = (d: TensorData): void => { refs.set(d, (refs.get(d) ?? 0) + 1); };
  const dropRef = (d: TensorData): void => {
    const r = (refs.get(d) ?? 0) - 1;
    if (r > 0) refs.set(d, r); else refs.delete(d);
  };
  addRef(grad.data);
  captureAllocations(born, () => noGrad(() => {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      dropRef(g.data);
      const fn = t.gradFn;
      if (!fn) {
        // take the gradient over when this pass made it and no other pending gradient shares
        // its storage; otherwise copy it (a rule may pass one gradient on to several inputs)
        const own = born.has(g.data as Float32Array) && !refs.has(g.data);
        t.grad = t.grad ? t.grad.add(g) : own ? g : g.clone();
        kept.add(t.grad.data);
        continue;
      }
      if (t.retainsGrad) { t.grad = t.grad ? t.grad.add(g) : g.clone(); kept.add(t.grad.data); }
      const inGrads = fn.backward(g);
      const inputs = fn.inputs;
      for (let i = 0; i < inputs.length; i++) {
        const inp = inputs[i], gi = inGrads[i];
        if (!gi || !inp.requiresGrad) continue;
        if (gi.shape.length !== inp.shape.length || gi.shape.some((d, j) => d !== inp.shape[j])) {
          throw new Error(`autograd: ${fn.name} returned a gradient of shape [${gi.shape.join(', ')}] for an input of shape [${inp.shape.join(', ')}]`);
        }
        const prev = grads.get(inp);
        const sum = prev ? prev.add(gi) : gi;
        if (prev) dropRef(prev.data);
        addRef(sum.data);
        grads.set(inp, sum);
      }
    }
  }));
  // every buffer this pass allocated is dead now unless it became a .grad: backward rules
  // run under noGrad and keep nothing
  for (const b of born) if (!kept.has(b)) recycle(b);
  if (!retainGraph) {
    const dead = new Set<TensorData>();
    for (const t of order) {
      if (t.gradFn !== null) { released.set(t, t.gradFn.name); t.gradFn = null; }
      if (internal.has(t) && !kept.has(t.data) && !born.has(t.data as Float32Array)) dead.add(t.data);
    }
    for (const d of dead) recycle(d);
  }
}
