/**
 * What browser builds use instead of platform-files.ts (package.json "browser" field): no
 * `import.meta`, no Node. A file shipped in the package (weights/, data/) is looked up relative
 * to the page (or the worker's script), where a site that wants it serves it; functions that
 * take a URL option read from anywhere else.
 */
import type { createRequire } from 'node:module';
import { nodeOnlyError } from './platform.js';

/** The URL of a file shipped in the package: relative to the page here (serve the file there, or pass a URL option). */
export function packageFileUrl(rel: string): URL {
  const base = (globalThis as { location?: { href: string } }).location?.href ?? 'file:///';
  return new URL(rel, base);
}

/** Always convkit's error: require() needs Node. */
export function packageRequire(op: string): ReturnType<typeof createRequire> {
  throw nodeOnlyError(op, undefined, 'Node.js (require)');
}
