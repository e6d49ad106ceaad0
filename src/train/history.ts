/** History: what fit() returns — the logs of every epoch, as in Keras' `History.history`. */
import type { Logs } from './callback.js';

/** Per-epoch training logs. */
export class History {
  /** Epoch numbers (0-based) in the order they ran. */
  readonly epoch: number[] = [];
  /** Each logged quantity ('loss', 'accuracy', 'valLoss', ...) as one value per epoch. */
  readonly history: Record<string, number[]> = {};

  /** Appends one epoch's logs (keys missing in some epochs are padded with NaN). */
  record(epoch: number, logs: Logs): void {
    const n = this.epoch.length;
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      if (!(k in this.history)) this.history[k] = new Array<number>(n).fill(NaN);
      this.history[k].push(v);
    }
    for (const arr of Object.values(this.history)) if (arr.length === n) arr.push(NaN);
  }

  /** Adds keys that callbacks logged after the last epoch was recorded (e.g. 'testAccuracy'). */
  amendLast(logs: Logs): void {
    const i = this.epoch.length - 1;
    if (i < 0) return;
    for (const [k, v] of Object.entries(logs)) {
      if (!(k in this.history)) this.history[k] = new Array<number>(i + 1).fill(NaN);
      this.history[k][i] = v;
    }
  }

  /** The values of one quantity (throws naming the known keys if absent). */
  get(key: string): number[] {
    const v = this.history[key];
    if (!v) throw new RangeError(`History.get: no '${key}' (logged: ${Object.keys(this.history).join(', ')})`);
    return v;
  }

  /** The logs of the last epoch (empty before any). */
  last(): Logs {
    const out: Logs = {};
    const i = this.epoch.length - 1;
    if (i < 0) return out;
    for (const [k, v] of Object.entries(this.history)) out[k] = v[i];
    return out;
  }

  /** A JSON-able copy. */
  toJSON(): {
    /** Epoch indices (0-based), one per logged epoch. */
    epoch: number[];
    /** Values per log key, one per epoch (null where absent). */
    history: Record<string, (number | null)[]>;
  } {
    const history: Record<string, (number | null)[]> = {};
    for (const [k, v] of Object.entries(this.history)) history[k] = v.map((x) => (Number.isFinite(x) ? x : null));
    return { epoch: [...this.epoch], history };
  }

  /** Rebuilds a History from toJSON() output (used when resuming from a checkpoint). */
  static fromJSON(json: { epoch: number[]; history: Record<string, (number | null)[]> }): History {
    const h = new History();
    h.epoch.push(...json.epoch);
    for (const [k, v] of Object.entries(json.history)) h.history[k] = v.map((x) => (x === null ? NaN : x));
    return h;
  }
}
