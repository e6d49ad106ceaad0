/**
 * Lazy access to Node's built-in modules, so the browser-safe parts of convkit (parsers,
 * serialisers, DataLoader) can be bundled for the web: only file-reading functions load
 * `node:fs` and friends, on first use.
 */
import type * as FsModule from 'node:fs';
import type * as FsPromisesModule from 'node:fs/promises';
import type * as PathModule from 'node:path';
import type * as ZlibModule from 'node:zlib';
import type * as ModuleModule from 'node:module';

/** The Node modules the file loaders need. */
export interface NodeModules {
  fs: typeof FsModule;
  fsp: typeof FsPromisesModule;
  path: typeof PathModule;
  zlib: typeof ZlibModule;
  module: typeof ModuleModule;
}

let cached: Promise<NodeModules> | null = null;

/** Loads node:fs, node:fs/promises, node:path, node:zlib and node:module once; throws a clear error outside Node. */
export function nodeModules(op: string): Promise<NodeModules> {
  if (!cached) {
    cached = Promise.all([import('node:fs'), import('node:fs/promises'), import('node:path'), import('node:zlib'), import('node:module')])
      .then(([fs, fsp, path, zlib, module]) => ({ fs, fsp, path, zlib, module }))
      .catch((e: unknown) => {
        cached = null;
        throw new Error(`${op}: reading files needs Node.js (node:fs is unavailable here: ${e instanceof Error ? e.message : String(e)}); in a browser use the byte-level parsers instead`);
      });
  }
  return cached;
}
