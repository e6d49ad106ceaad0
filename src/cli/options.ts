/** Option parsing helpers shared by the CLI commands. */
import { setBackend } from '../backend/index.js';

/** A mistake in the command line (printed with the usage hint, exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses an integer option >= min. */
export function intOption(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer >= ${min}, got '${String(value)}'`);
  return n;
}

/** Parses a finite number option. */
export function numberOption(name: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name} must be a number, got '${String(value)}'`);
  return n;
}

/** Applies --backend (js, wasm, native) if given. */
export function selectBackend(name: string | undefined): void {
  if (name === undefined) return;
  try { setBackend(name); } catch (e) {
    throw new UsageError(`--backend ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Runs a lookup (model or dataset by name) and turns its RangeError into a UsageError. */
export function usage<T>(fn: () => T): T {
  try { return fn(); } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}
