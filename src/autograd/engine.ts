/**
 * Reverse-mode automatic differentiation. Each op that produces a tensor from inputs that
 * require gradients records a GradFn on its output; `backward` walks that graph in reverse
 * topological order and then releases it. Storage is given back deterministically (see
 * tensor/alloc.ts): the pass's own temporaries at its end, a module call's intermediates when
 * the graph that saved them is released (`freeWithGraph`), dropped `.grad`s at the next pass.
 */
import type { Tensor, TensorData } from '../tensor/tensor.js';
import { closeScope, openScope, recycle, retire } from '../tensor/alloc.js';

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

/** Storage waiting for the graphs of some tensors to be released (see freeWithGraph). */
interface Waiting {
  pending: number;
  readonly storages: readonly Float32Array[];
}
const waiting = new WeakMap<Tensor, Waiting[]>();

/** The `.grad` each leaf last received from a backward pass (retired once the leaf drops it). */
const givenGrad = new WeakMap<Tensor, Tensor>();

/**
 * Recycles `storages` once a backward pass has released the graph of every tensor in `roots`
 * that has one; until then the graphs' backward rules may read them. A root whose graph is
 * never released (no backward) leaves them to the garbage collector.
 */
export function freeWithGraph(roots: readonly Tensor[], storages: readonly Float32Array[]): void {
  if (storages.length === 0) return;
  const w: Waiting = { pending: 0, storages };
  for (const r of new Set(roots)) {
    if (r.gradFn === null) continue;
    const list = waiting.get(r);
    if (list === undefined) waiting.set(r, [w]);
    else list.push(w);
    w.pending++;
  }
  if (w.pending === 0) for (const d of storages) recycle(d);
}

/** Whether ops record the graph right now. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording any graph (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs fn with graph recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Attaches a backward rule to `out` when grad mode is on and some input requires grad. */
export function record(
  out: Tensor,
  name: string,
  inputs: readonly Tensor[],
  backward: (grad: Tensor) => (Tensor | null)[],
): Tensor {
  if (!gradEnabled) return out;
  let needed = false;
  for (const t of inputs)
    if (t.requiresGrad) {
      needed = true;
      break;
    }
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
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
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
      throw new Error(
        `backward(): trying to backward through the graph a second time: the graph behind a tensor of shape [${t.shape.join(', ')}] made by '${op}' was released by an earlier backward(); pass { retainGraph: true } to that first backward() if you need to call it twice`,
      );
    }
  }
  // a leaf's .grad from an earlier pass that was since cleared or replaced (zeroGrad) is no
  // longer the library's: its storage is handed back after this pass
  const dropped: Tensor[] = [];
  for (const t of order) {
    const old = t.gradFn === null ? givenGrad.get(t) : undefined;
    if (old !== undefined && old !== t.grad) {
      givenGrad.delete(t);
      dropped.push(old);
    }
  }
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, grad);
  const pending = new PendingStorage();
  pending.add(grad.storageRaw());
  const scope = openScope();
  const kept = new Set<TensorData>(); // storage of this pass that leaves it as a .grad
  try {
    noGrad(() => {
      for (let k = order.length - 1; k >= 0; k--) {
        const t = order[k];
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t);
        pending.drop(g.storageRaw());
        const fn = t.gradFn;
        if (!fn) {
          // take the gradient over when this pass made it and no pending gradient shares its
          // storage; otherwise copy it (a rule may pass one gradient on to several inputs)
          const prev = t.grad;
          t.grad = prev
            ? prev.add(g)
            : scope.storages.has(g.storageRaw() as Float32Array) && !pending.has(g.storageRaw())
              ? g
              : g.clone();
          if (prev !== null && givenGrad.get(t) === prev) dropped.push(prev);
          givenGrad.set(t, t.grad);
          kept.add(t.grad.storageRaw());
          continue;
        }
        if (t.retainsGrad) {
          t.grad = t.grad ? t.grad.add(g) : g.clone();
          kept.add(t.grad.storageRaw());
        }
        const inGrads = fn.backward(g);
        const inputs = fn.inputs;
        for (let i = 0; i < inputs.length; i++) {
          const inp = inputs[i],
            gi = inGrads[i];
          if (!gi || !inp.requiresGrad) continue;
          if (gi.shape.length !== inp.shape.length || gi.shape.some((d, j) => d !== inp.shape[j])) {
            throw new Error(
              `autograd: ${fn.name} returned a gradient of shape [${gi.shape.join(', ')}] for an input of shape [${inp.shape.join(', ')}]`,
            );
          }
          const prev = grads.get(inp);
          const sum = prev ? prev.add(gi) : gi;
          if (prev) pending.drop(prev.storageRaw());
          pending.add(sum.storageRaw());
          grads.set(inp, sum);
        }
      }
    });
  } finally {
    closeScope(scope);
  }
  // backward rules run under noGrad and keep nothing: every buffer this pass allocated is dead
  // now unless it became a .grad
  for (const d of scope.unkept(kept)) recycle(d);
  for (const old of dropped) retire(old);
  if (!retainGraph) {
    for (const t of order) {
      if (t.gradFn === null) continue;
      released.set(t, t.gradFn.name);
      t.gradFn = null;
      const list = waiting.get(t);
      if (list === undefined) continue;
      waiting.delete(t);
      for (const w of list) if (--w.pending === 0) for (const d of w.storages) recycle(d);
    }
  }
}

/** How many pending gradients of a backward pass use each storage. */
class PendingStorage {
  private readonly refs = new Map<TensorData, number>();
  add(d: TensorData): void {
    this.refs.set(d, (this.refs.get(d) ?? 0) + 1);
  }
  drop(d: TensorData): void {
    const r = (this.refs.get(d) ?? 0) - 1;
    if (r > 0) this.refs.set(d, r);
    else this.refs.delete(d);
  }
  has(d: TensorData): boolean {
    return this.refs.has(d);
  }
}
