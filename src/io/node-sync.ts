/**
 * Node's synchronous built-ins for the few places that need them at call time (log files,
 * the native addon loader), imported only when running under Node so that the rest of
 * convkit bundles for browsers. Outside Node each is null.
 */
import type * as FsModule from 'node:fs';
import type * as ModuleModule from 'node:module';
import type * as UrlModule from 'node:url';

const inNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** node:fs, or null outside Node. */
export const nodeFs: typeof FsModule | null = inNode ? await import('node:fs') : null;
/** node:module, or null outside Node. */
export const nodeModule: typeof ModuleModule | null = inNode ? await import('node:module') : null;
/** node:url, or null outside Node. */
export const nodeUrl: typeof UrlModule | null = inNode ? await import('node:url') : null;

/** node:fs, or a clear error naming the op when not running under Node. */
export function requireFs(op: string): typeof FsModule {
  if (!nodeFs) throw new Error(`${op}: writing files needs Node.js (node:fs is unavailable here)`);
  return nodeFs;
}
