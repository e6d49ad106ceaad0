/**
 * Progress messages for long image work (filtering a 100-megapixel photo takes minutes): silent
 * for short work, then a percentage once the work has run longer than a few seconds, at most
 * once a second on a terminal (rewriting one line) and every ten seconds otherwise (one line
 * each, for logs). The clock and the writer are injectable, so the rule is testable without
 * waiting.
 */

/** Options of progressReporter. */
export interface ProgressOptions {
  /** Milliseconds of silence before the first message (default 3000). */
  afterMs?: number;
  /** Rewrite one line with '\r' (a terminal) instead of writing whole lines (default false). */
  tty?: boolean;
  /** Clock in milliseconds (default Date.now). */
  now?: () => number;
}

/** A progress callback (done, total) plus finish(), which ends the line if anything was written. */
export interface ProgressReporter {
  (done: number, total: number): void;
  finish(): void;
}

/** Creates a reporter writing `<label>: NN% (done of total)` through write, per the rules above. */
export function progressReporter(label: string, write: (text: string) => void, options: ProgressOptions = {}): ProgressReporter {
  const now = options.now ?? Date.now;
  const afterMs = options.afterMs ?? 3000;
  const tty = options.tty ?? false;
  const every = tty ? 1000 : 10_000;
  const start = now();
  let last = -Infinity, wrote = false, lastPct = -1;
  const report = ((done: number, total: number): void => {
    const t = now();
    if (t - start < afterMs || t - last < every) return;
    const pct = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 100;
    if (pct === lastPct) return;
    last = t; lastPct = pct; wrote = true;
    const secs = ((t - start) / 1000).toFixed(0);
    write(`${tty ? '\r' : ''}${label}: ${pct}% (${secs} s)${tty ? '' : '\n'}`);
  }) as ProgressReporter;
  report.finish = (): void => {
    if (wrote && tty) write('\n');
  };
  return report;
}
