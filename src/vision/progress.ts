/**
 * Progress messages for long image work (filtering a 100-megapixel photo takes minutes): silent
 * for short work; once the work has run longer than a few seconds (or from the start, for an
 * image known to be large), each new stage is announced and percentages follow, at most once a
 * second on a terminal (rewriting one line) and every ten seconds otherwise (one line each, for
 * logs). The clock and the writer are injectable, so the rule is testable without waiting.
 */

/** Options of progressReporter. */
export interface ProgressOptions {
  /** Milliseconds of silence before the first message (default 3000). */
  afterMs?: number;
  /** Report from the start (the caller knows the work is long, e.g. a huge image). */
  eager?: boolean;
  /** Rewrite one line with '\r' (a terminal) instead of writing whole lines (default false). */
  tty?: boolean;
  /** Clock in milliseconds (default Date.now). */
  now?: () => number;
}

/** A progress callback (done, total), plus stage(name) to announce a step and finish() to end the line. */
export interface ProgressReporter {
  (done: number, total: number): void;
  stage(name: string): void;
  finish(): void;
}

/** Creates a reporter writing `<label>: <stage> NN% (S s)` through write, per the rules above. */
export function progressReporter(
  label: string,
  write: (text: string) => void,
  options: ProgressOptions = {},
): ProgressReporter {
  const now = options.now ?? Date.now;
  const afterMs = options.eager ? 0 : (options.afterMs ?? 3000);
  const tty = options.tty ?? false;
  const every = tty ? 1000 : 10_000;
  const start = now();
  let last = -Infinity,
    onLine = false,
    lastPct = -1,
    stage = '';
  const emit = (text: string, t: number): void => {
    const secs = ((t - start) / 1000).toFixed(0);
    const line = `${label}: ${text} (${secs} s)`;
    write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    onLine = tty;
    last = t;
  };
  const report = ((done: number, total: number): void => {
    const t = now();
    if (t - start < afterMs || t - last < every) return;
    const pct = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 100;
    if (pct === lastPct) return;
    lastPct = pct;
    emit(`${stage ? `${stage} ` : ''}${pct}%`, t);
  }) as ProgressReporter;
  report.stage = (name: string): void => {
    stage = name;
    lastPct = -1;
    const t = now();
    if (t - start < afterMs) return;
    if (onLine) write('\n');
    emit(name, t);
    last = -Infinity; // the next percentage may follow at once
  };
  report.finish = (): void => {
    if (onLine) write('\n');
    onLine = false;
  };
  return report;
}
