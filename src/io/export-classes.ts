/**
 * How both exporters (io.exportOnnx, io.exportPytorch) find the entry for a module: walk its
 * class chain from its own class up to the class whose forward it runs, and look each class up —
 * the built-in tables by the class's declared static `typeName` (nn/type-name.ts: a string, so a
 * minified build still finds `Conv2d`'s entry), user-registered exporters by the class itself.
 * A subclass that keeps its parent's forward (DoubleConv of Sequential) uses the parent's entry;
 * one that overrides forward needs its own.
 */
import { declaredTypeName } from '../nn/type-name.js';

/** One class of a module's chain. */
export interface ExportClass {
  /** The class (constructor). */
  readonly cls: abstract new (
    ...args: never[]
  ) => unknown;
  /** Its declared typeName, the key of the built-in tables (undefined for a class without one). */
  readonly key: string | undefined;
}

/**
 * The classes whose entry may export `m`, most derived first, ending with the class that defines
 * the forward `m` runs. None when `m` carries a forward of its own (set on the instance).
 */
export function exportClasses(m: object): ExportClass[] {
  if (Object.hasOwn(m, 'forward')) return [];
  const out: ExportClass[] = [];
  for (let p = Object.getPrototypeOf(m) as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const cls = (p as { constructor: ExportClass['cls'] }).constructor;
    out.push({ cls, key: declaredTypeName(cls) });
    if (Object.hasOwn(p, 'forward')) break;
  }
  return out;
}

/** `table[key]` for a declared key (own entries only: 'toString' is not an entry). */
export function entryOf<T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
