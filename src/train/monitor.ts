/** Shared logic of callbacks that watch a logged quantity (EarlyStopping, ModelCheckpoint). */
import type { Logs } from './callback.js';

/** 'min': lower is better; 'max': higher is better; 'auto': max for accuracies, min otherwise. */
export type MonitorMode = 'min' | 'max' | 'auto';

/** Resolves 'auto' from the monitored key's name, as Keras does. */
export function resolveMode(monitor: string, mode: MonitorMode): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  if (mode !== 'auto') throw new RangeError(`mode must be 'min', 'max' or 'auto', got '${String(mode)}'`);
  return /acc|auc|precision|recall|f1/i.test(monitor) ? 'max' : 'min';
}

/** Reads the monitored value from logs, with an error listing what was logged. */
export function monitoredValue(op: string, monitor: string, logs: Logs): number {
  const v = logs[monitor];
  if (typeof v !== 'number') {
    throw new RangeError(
      `${op}: monitored quantity '${monitor}' is not in the logs (logged: ${Object.keys(logs).join(', ')}); pass validation data to fit() to get 'valLoss'`,
    );
  }
  return v;
}

/** Whether `value` improves on `best` by more than minDelta in the given direction. */
export function improves(value: number, best: number | null, mode: 'min' | 'max', minDelta: number): boolean {
  if (Number.isNaN(value)) return false;
  if (best === null) return true;
  return mode === 'min' ? value < best - minDelta : value > best + minDelta;
}
