/**
 * CSVLogger: appends one row per epoch (epoch, then every logged value) to a CSV file,
 * as keras.callbacks.CSVLogger does. The header is written with the first row.
 */
import { requireFs } from '../platform.js';
import { Callback, type Logs } from './callback.js';

/** Options of CSVLogger. */
export interface CSVLoggerOptions {
  /** Field separator (default ','). */
  separator?: string;
  /** Append to an existing file (for resumed runs) instead of overwriting it (default false). */
  append?: boolean;
}

/** Writes per-epoch logs to a CSV file. */
export class CSVLogger extends Callback {
  private columns: string[] | null = null;
  private readonly separator: string;
  private readonly append: boolean;

  /** path: the CSV file to write. */
  constructor(
    /** The CSV file written. */
    readonly path: string,
    options: CSVLoggerOptions = {},
  ) {
    super();
    this.separator = options.separator ?? ',';
    this.append = options.append ?? false;
  }

  override onTrainBegin(): void {
    this.columns = null;
    if (this.append && requireFs('CSVLogger').existsSync(this.path)) {
      const first = requireFs('CSVLogger').readFileSync(this.path, 'utf8').split('\n')[0];
      if (first) this.columns = first.split(this.separator).slice(1);
    } else {
      requireFs('CSVLogger').writeFileSync(this.path, '');
    }
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.columns) {
      this.columns = Object.keys(logs);
      requireFs('CSVLogger').appendFileSync(this.path, ['epoch', ...this.columns].join(this.separator) + '\n');
    }
    const cells = this.columns.map((k) => (k in logs ? formatNumber(logs[k]) : ''));
    requireFs('CSVLogger').appendFileSync(this.path, [String(epoch), ...cells].join(this.separator) + '\n');
  }
}

/** Full-precision number formatting ('' for undefined, NaN as 'nan' like Keras). */
function formatNumber(v: number): string {
  return Number.isNaN(v) ? 'nan' : String(v);
}
