/**
 * The allocator for the WASM backend's linear memory (one instance per backend).
 *
 * Memory map: [0, heapBase) static data of the module; [heapBase, heapBase + 64 KiB) the
 * control block shared with the workers (job word, arguments, per-call metadata);
 * [heapBase + 64 KiB, top) blocks handed out by this allocator; the memory grows on demand.
 *
 * Blocks come in size classes (multiples of 64 bytes up to 256 bytes, then 4 classes per
 * power of two, so at most 25% is wasted) with one free list per class. Training repeats
 * the same tensor sizes every step, so freed blocks are reused almost always. Tensor blocks
 * (on free lists of their own) are returned by a FinalizationRegistry when their Float32Array view is collected; their
 * total is capped by `budget` (see index.ts for why). Scratch blocks are taken and returned
 * explicitly within one kernel call.
 * Most tensor storage never reaches the finalizer: tensor/alloc.ts recycles a step's dead
 * storage deterministically (its pool keeps the views alive and hands them out again), so a
 * synchronous loop stays flat; the finalizer frees what the user's own code dropped.
 */

/** Bytes reserved after the module's static data for the control block. */
export const CONTROL_BYTES = 65536;
const PAGE = 65536;
const GROW_MIN_PAGES = 256; // grow in steps of at least 16 MiB

/** Rounds a byte count up to its size class. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return Math.max(64, Math.ceil(bytes / 64) * 64);
  const k = Math.floor(Math.log2(bytes));
  const step = 2 ** (k - 2);
  return Math.ceil(bytes / step) * step;
}

/** Linear-memory allocator with size-class free lists and a budget for tensor storage. */
export class Arena {
  readonly memory: WebAssembly.Memory;
  readonly heapBase: number;
  /** Bytes of tensor storage currently carved (live or on a free list). */
  tensorBytes = 0;
  /** Most tensor bytes allowed in wasm memory; beyond it tensors go to the JS heap. */
  budget: number;
  /** Tensor allocations that went to the JS heap because the budget was spent. */
  fallbacks = 0;
  private top: number;
  private readonly free = new Map<number, number[]>(); // scratch blocks
  private readonly freeTensors = new Map<number, number[]>(); // tensor blocks (kept apart so
  // that scratch never turns into uncollected tensor storage past the budget)
  private readonly buffers = new Set<ArrayBufferLike>();
  private buf!: ArrayBufferLike;
  /** Views over the whole memory, refreshed after growth. */
  f32!: Float32Array;
  i32!: Int32Array;
  private readonly registry: FinalizationRegistry<number>;
  private readonly tensorClass = new Map<number, number>();

  /** Runs a full GC (or null where none is available); see platform.ts. */
  private readonly gc: () => (() => void) | null;
  private lastGc = -Infinity;
  private finalized = false;
  /** Forced collections so far. */
  forcedGcs = 0;

  constructor(memory: WebAssembly.Memory, dataEnd: number, budget: number, gc: () => (() => void) | null) {
    this.gc = gc;
    this.memory = memory;
    this.heapBase = Math.ceil(Math.max(dataEnd, 1024) / PAGE) * PAGE;
    this.top = this.heapBase + CONTROL_BYTES;
    this.budget = budget;
    this.refresh();
    this.registry = new FinalizationRegistry((ptr: number) => this.releaseTensor(ptr));
  }

  /** Re-creates the whole-memory views if the memory grew. */
  refresh(): void {
    const b = this.memory.buffer;
    if (b === this.buf && this.f32.length * 4 === b.byteLength) return;
    this.buf = b;
    this.buffers.add(b);
    this.f32 = new Float32Array(b);
    this.i32 = new Int32Array(b);
  }

  /** True when `a` is a view into this memory (from before or after any growth). */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /** Bytes of linear memory in use by the heap (tensors, scratch, workspaces, free lists). */
  get heapBytes(): number {
    return this.top - this.heapBase;
  }

  private carve(cls: number): number {
    const p = this.top;
    const end = p + cls;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.max(GROW_MIN_PAGES, Math.ceil((end - have) / PAGE));
      try {
        this.memory.grow(pages);
      } catch {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      }
      this.refresh();
    }
    this.top = end;
    return p;
  }

  /** A block of at least `bytes` bytes (64-byte aligned), not zeroed. */
  take(bytes: number): number {
    const cls = sizeClass(bytes);
    const list = this.free.get(cls);
    if (list && list.length > 0) return list.pop() as number;
    return this.carve(cls);
  }

  /** Returns a block from `take` to its free list. */
  give(ptr: number, bytes: number): void {
    push(this.free, sizeClass(bytes), ptr);
  }

  /**
   * Zeroed tensor storage in wasm memory, freed when the view is collected; null when the
   * budget is spent and no block of this class is free (the caller then uses the JS heap).
   */
  tensor(n: number): Float32Array | null {
    const cls = sizeClass(n * 4);
    const list = this.freeTensors.get(cls);
    let ptr: number;
    let reused = false;
    if (list && list.length > 0) {
      ptr = list.pop() as number;
      reused = true;
    } else {
      if (this.tensorBytes + cls > this.budget) {
        this.fallbacks++;
        this.reclaim();
        return null;
      }
      ptr = this.carve(cls);
      this.tensorBytes += cls;
      // The block was never used, but another instance may have scribbled on memory it
      // grew into; fresh pages are zero, so only reused blocks need filling.
    }
    const view = new Float32Array(this.buf, ptr, n);
    if (reused) view.fill(0);
    this.tensorClass.set(ptr, cls);
    this.registry.register(view, ptr);
    return view;
  }

  /**
   * The budget is spent: run a full GC so that dead tensors' finalizers are queued; they run
   * at the next turn of the event loop (the trainer yields every 100 ms). Rate-limited, since
   * inside one long synchronous loop a collection cannot help until the loop yields.
   */
  private reclaim(): void {
    const now = performance.now();
    // after a collection that freed blocks (the loop yields), collect again as soon as the
    // budget is spent again; while none did (a synchronous loop), at most once a second
    if (!this.finalized && now - this.lastGc < 1000) return;
    this.finalized = false;
    this.lastGc = now;
    const gc = this.gc();
    if (gc) {
      gc();
      this.forcedGcs++;
    }
  }

  private releaseTensor(ptr: number): void {
    this.finalized = true; // finalizers ran: another collection may help again soon
    const cls = this.tensorClass.get(ptr);
    if (cls === undefined) return;
    this.tensorClass.delete(ptr);
    push(this.freeTensors, cls, ptr);
  }

  /** Number of tensor blocks currently handed out (not yet collected). */
  get liveTensors(): number {
    return this.tensorClass.size;
  }
}

function push(lists: Map<number, number[]>, cls: number, ptr: number): void {
  let list = lists.get(cls);
  if (!list) {
    list = [];
    lists.set(cls, list);
  }
  list.push(ptr);
}
