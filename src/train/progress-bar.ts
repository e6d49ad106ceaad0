/**
 * The live progress line (Keras verbose=1): on a terminal it redraws
 * `Epoch 1/3  312/938 [=====>....] loss 0.2345  accuracy 0.9312  1234 img/s  ETA 12s`;
 * elsewhere (pipes, CI logs, a browser's console) it prints one plain line per epoch. Outside
 * Node (no `process`) the default output is the console, one console.log per line.
 */
import { Callback, type Logs } from './callback.js';

/** Where the progress bar writes: a Node stream or anything with write(). */
export interface TextSink {
  /** Writes the text (no newline added). */
  write(text: string): unknown;
  /** Whether it is a terminal (the bar redraws in place there). */
  isTTY?: boolean;
  /** Terminal width in characters, if known. */
  columns?: number;
}

/** Options of ProgressBar. */
export interface ProgressBarOptions {
  /** Output (default: process.stdout in Node, else the console, one console.log per line). */
  stream?: TextSink;
  /** Redraw a live bar (default: stream.isTTY). */
  live?: boolean;
  /** Minimum milliseconds between redraws (default 100). */
  intervalMs?: number;
  /** Colour the numbers (ANSI cyan) when live (default true). */
  color?: boolean;
}

/** Formats seconds as 12s, 3m05s or 1h02m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Formats logs as `loss 0.2345  accuracy 0.9312  valLoss ...` (skipping bookkeeping keys). */
export function formatLogs(logs: Logs): string {
  const skip = new Set(['size', 'batch', 'epoch', 'seconds', 'imagesPerSec']);
  return Object.entries(logs)
    .filter(([k, v]) => !skip.has(k) && typeof v === 'number')
    .map(([k, v]) => `${k} ${k === 'lr' ? v.toExponential(2) : v.toFixed(4)}`)
    .join('  ');
}

/**
 * The console as a TextSink: whole lines go to console.log (a trailing partial line waits for
 * its newline); carriage-return redraws and ANSI codes are not used with it (it is not a TTY).
 */
export function consoleSink(log: (line: string) => void = (line) => console.log(line)): TextSink {
  let pending = '';
  return {
    isTTY: false,
    write(text: string): boolean {
      pending += text;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        log(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
      return true;
    },
  };
}

/** Node's standard output when there is one (no static `process` reference), else the console. */
function defaultSink(): TextSink {
  const stdout = (globalThis as { process?: { stdout?: TextSink } }).process?.stdout;
  return stdout && typeof stdout.write === 'function' ? stdout : consoleSink();
}

/** A Callback that shows training progress. */
export class ProgressBar extends Callback {
  private readonly stream: TextSink;
  private readonly live: boolean;
  private readonly intervalMs: number;
  private readonly color: boolean;
  private epochStart = 0;
  private lastDraw = 0;
  private seen = 0;
  private epoch = 0;

  /** See ProgressBarOptions. */
  constructor(options: ProgressBarOptions = {}) {
    super();
    this.stream = options.stream ?? defaultSink();
    this.live = options.live ?? this.stream.isTTY === true;
    this.intervalMs = options.intervalMs ?? 100;
    this.color = options.color ?? true;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    this.seen += logs.size ?? 0;
    if (!this.live) return;
    const now = performance.now();
    const steps = this.ctx.stepsPerEpoch;
    if (now - this.lastDraw < this.intervalMs && batch + 1 < steps) return;
    this.lastDraw = now;
    const elapsed = (now - this.epochStart) / 1000;
    const rate = this.seen / Math.max(elapsed, 1e-9);
    const eta = (elapsed / (batch + 1)) * (steps - batch - 1);
    const head = `${this.prefix()} ${this.bar(batch + 1, steps)} `;
    const tail = `  ${Math.round(rate)} img/s  ETA ${formatDuration(eta)}`;
    const cols = this.stream.columns ?? 120;
    this.stream.write(`\r${this.fitLine(head, formatLogs(logs).split('  '), tail, cols - 1)}\x1b[K`);
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    const elapsed = (performance.now() - this.epochStart) / 1000;
    const rate = logs.imagesPerSec ?? this.seen / Math.max(elapsed, 1e-9);
    const steps = this.ctx.stepsPerEpoch;
    const head = this.live ? `\r${this.prefix()} ${this.bar(steps, steps)}` : this.prefix();
    this.stream.write(
      `${head} ${formatDuration(elapsed)}  ${this.paint(formatLogs(logs))}  ${Math.round(rate)} img/s${this.live ? '\x1b[K' : ''}\n`,
    );
  }

  /**
   * The live line in at most `width` columns: drops logged values from the end until it fits, so
   * the rate and ETA (with its unit) always show; only a terminal too narrow for even the bar and
   * the ETA gets a cut line, cut before the ETA. Coloured only when nothing is cut.
   */
  private fitLine(head: string, parts: string[], tail: string, width: number): string {
    const shown = [...parts];
    while (shown.length > 0 && head.length + shown.join('  ').length + tail.length > width) shown.pop();
    const text = shown.join('  ');
    if (head.length + text.length + tail.length <= width) return head + this.paint(text) + tail;
    return (head + text).slice(0, Math.max(0, width - tail.length)) + tail.slice(0, width);
  }

  private prefix(): string {
    const w = String(this.ctx.epochs).length;
    return `Epoch ${String(this.epoch + 1).padStart(w)}/${this.ctx.epochs}`;
  }

  private bar(done: number, total: number): string {
    const width = 24;
    const filled = total > 0 ? Math.min(width, Math.floor((done / total) * width)) : width;
    const arrow = filled < width ? '>' : '';
    const w = String(total).length;
    return `${String(done).padStart(w)}/${total} [${'='.repeat(filled)}${arrow}${'.'.repeat(Math.max(0, width - filled - arrow.length))}]`;
  }

  private paint(text: string): string {
    return this.live && this.color ? `\x1b[36m${text}\x1b[39m` : text;
  }
}
