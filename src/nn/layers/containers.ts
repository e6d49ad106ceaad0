/**
 * Containers beyond `Sequential`: `Residual` (ResNet's skip connection y = f(x) + shortcut(x))
 * and `Concat` (GoogLeNet's inception: branches on the same input, joined along channels).
 */
import { concat } from '../../tensor/ops/shape.js';
import { fmt } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { IndexedModules, Module } from '../module.js';

/** Options of `Residual`. */
export interface ResidualOptions {
  /** Maps x to the body's output shape (e.g. a strided 1x1 Conv2d + BatchNorm2d); identity if omitted. */
  shortcut?: Module | null;
  /** Applied after the addition (ResNet's final ReLU), if given. */
  activation?: Module | null;
}

/** y = activation(body(x) + shortcut(x)); the shortcut is the identity by default. */
export class Residual extends Module {
  static override readonly typeName: string = 'Residual';

  /** The residual branch f. */
  body: Module;
  /** The projection on the skip path, or null for the identity. */
  shortcut: Module | null;
  /** The activation after the sum, or null. */
  activation: Module | null;

  /** A residual block around `body`. */
  constructor(body: Module, { shortcut = null, activation = null }: ResidualOptions = {}) {
    super();
    this.body = this.registerModule('body', body);
    this.shortcut = this.registerModule('shortcut', shortcut);
    this.activation = this.registerModule('activation', activation);
  }

  /** body(x) + shortcut(x), then the activation. */
  forward(x: Tensor): Tensor {
    const fx = this.body.call(x);
    const sx = this.shortcut ? this.shortcut.call(x) : x;
    if (fx.ndim !== sx.ndim || fx.shape.some((d, i) => d !== sx.shape[i])) {
      throw new RangeError(
        `Residual: body output ${fmt(fx.shape)} and shortcut output ${fmt(sx.shape)} differ (input ${fmt(x.shape)}); give a shortcut module that projects x`,
      );
    }
    const y = fx.add(sx);
    return this.activation ? this.activation.call(y) : y;
  }
}

/** Runs every branch on the same input and concatenates the outputs along `dim` (default 1, channels). */
export class Concat extends Module {
  static override readonly typeName: string = 'Concat';

  /** The number of branches. */
  readonly length: number;

  /** An inception-style block: `new Concat([b1, b2, b3, b4])`. */
  constructor(
    branches: readonly Module[],
    /** The dim the branch outputs are concatenated along (default 1, channels). */
    readonly dim = 1,
  ) {
    super();
    if (branches.length === 0) throw new RangeError('Concat: needs at least one branch');
    branches.forEach((b, i) => {
      if (!(b instanceof Module)) throw new TypeError(`Concat: branch ${i} is not a Module`);
      this.registerModule(String(i), b);
    });
    this.length = branches.length;
  }

  /** The i-th branch. */
  at(i: number): Module {
    const k = i < 0 ? i + this.length : i;
    if (!Number.isInteger(k) || k < 0 || k >= this.length)
      throw new RangeError(`Concat.at: index ${i} is out of range for ${this.length} branches`);
    return this.getSubmodule(String(k));
  }

  /** Concatenation of every branch's output on x. */
  forward(x: Tensor): Tensor {
    const outs: Tensor[] = [];
    for (let i = 0; i < this.length; i++) outs.push(this.at(i).call(x));
    const a = this.dim < 0 ? this.dim + outs[0].ndim : this.dim;
    for (let i = 1; i < outs.length; i++) {
      const o = outs[i],
        f = outs[0];
      if (o.ndim !== f.ndim || o.shape.some((d, j) => j !== a && d !== f.shape[j])) {
        throw new RangeError(
          `Concat: branch outputs ${outs.map((t) => fmt(t.shape)).join(', ')} differ outside axis ${this.dim}`,
        );
      }
    }
    return outs.length === 1 ? outs[0] : concat(outs, this.dim);
  }

  override extraRepr(): string {
    return this.dim === 1 ? '' : `dim=${this.dim}`;
  }
}

/** Holds submodules in a list (registered as '0', '1', ...) for models that loop over them; it has no forward. */
export class ModuleList extends IndexedModules {
  static override readonly typeName: string = 'ModuleList';

  /** A list of modules. */
  constructor(modules: readonly Module[] = []) {
    super('ModuleList', modules);
  }

  /** Always throws: a ModuleList only stores modules; call its elements from the owner's forward. */
  forward(): Tensor {
    throw new Error(
      'ModuleList has no forward: iterate over it (for (const m of list) x = m.call(x)) in the owning module',
    );
  }
}
