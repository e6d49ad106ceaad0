/**
 * A private random stream built on the global generator of src/tensor/random.ts: it swaps its
 * own state in around each use, so a seeded DataLoader or split is reproducible no matter how
 * many random numbers model initialisation or dropout draw in between.
 */
import { getRngState, manualSeed, setRngState, type RngState } from '../tensor/random.js';

/** A reproducible random stream; with no seed it simply uses the global generator. */
export class SeededStream {
  private state: RngState | null;

  /** seed === undefined means "draw from the global generator" (reproducible via manualSeed). */
  constructor(seed?: number) {
    if (seed === undefined) {
      this.state = null;
      return;
    }
    if (!Number.isFinite(seed)) throw new TypeError(`SeededStream: seed must be a finite number, got ${String(seed)}`);
    const saved = getRngState();
    manualSeed(seed);
    this.state = getRngState();
    setRngState(saved);
  }

  /** Runs fn with this stream's state installed in the global generator, then restores the global state. */
  run<T>(fn: () => T): T {
    if (this.state === null) return fn();
    const saved = getRngState();
    setRngState(this.state);
    try {
      return fn();
    } finally {
      this.state = getRngState();
      setRngState(saved);
    }
  }
}
