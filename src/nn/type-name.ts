/**
 * Stable module class names. A minifier (vite's production build, `esbuild --minify`) renames
 * classes — `Conv2d` becomes `Oa` — so whatever must know a module's kind (reprs, summaries,
 * errors, the ONNX and PyTorch exporters) reads the name the class declares itself:
 *
 *   export class Conv2d extends ConvNd {
 *     static override readonly typeName: string = 'Conv2d';
 *
 * Every nn layer and zoo model declares one (a string survives minification). A class that
 * declares none — a user's own module — is named by its JavaScript class name.
 */

/** The name a class declares as its OWN static `typeName` (an inherited one does not count), if any. */
export function declaredTypeName(cls: unknown): string | undefined {
  if (typeof cls !== 'function' || !Object.hasOwn(cls, 'typeName')) return undefined;
  const name: unknown = (cls as { typeName?: unknown }).typeName;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** A class's stable name: its declared `typeName`, else its JavaScript name ('Object' for none). */
export function typeNameOf(cls: unknown): string {
  return declaredTypeName(cls) ?? ((typeof cls === 'function' && cls.name) || 'Object');
}
