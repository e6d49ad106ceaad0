/**
 * JSONLogger: writes one JSON object per epoch (newline-delimited JSON) to a file or a
 * stream, optionally reshaped by `transform` (the CLI's --json output uses this).
 */
import { requireFs } from '../platform.js';
import { Callback, type Logs } from './callback.js';
import type { TextSink } from './progress-bar.js';

/** Options of JSONLogger. */
export interface JSONLoggerOptions {
  /** Maps (epoch, logs) to the object written; default `{epoch, ...logs}`. */
  transform?: (epoch: number, logs: Logs) => Record<string, unknown>;
  /** Append to an existing file instead of truncating it (default false). */
  append?: boolean;
}

/** Writes per-epoch logs as JSON lines. */
export class JSONLogger extends Callback {
  private readonly transform: (epoch: number, logs: Logs) => Record<string, unknown>;
  private readonly append: boolean;

  /** target: a file path, or a stream such as process.stdout. */
  constructor(
    /** A file path, or a stream such as process.stdout. */
    readonly target: string | TextSink,
    options: JSONLoggerOptions = {},
  ) {
    super();
    this.transform = options.transform ?? ((epoch, logs) => ({ epoch, ...logs }));
    this.append = options.append ?? false;
  }

  override onTrainBegin(): void {
    if (typeof this.target === 'string' && !this.append) requireFs('JSONLogger').writeFileSync(this.target, '');
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const line =
      JSON.stringify(this.transform(epoch, logs), (_k, v: unknown) =>
        typeof v === 'number' && !Number.isFinite(v) ? null : v,
      ) + '\n';
    if (typeof this.target === 'string') requireFs('JSONLogger').appendFileSync(this.target, line);
    else this.target.write(line);
  }
}
