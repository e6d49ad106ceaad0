/**
 * Files the package ships (data/, weights/, native/build/), located from this module's own URL,
 * and a require() rooted at the package (for the CommonJS data packages and the native addon).
 * The only place convkit's library code reads `import.meta`: src/ and dist/ both sit one level
 * below the package root, so the same relative path works from either.
 *
 * Browser builds never see this file: package.json's "browser" field replaces it with
 * platform-files.browser.ts (esbuild, vite, webpack and rollup's node-resolve follow it), so a
 * browser bundle has no `import.meta` (esbuild's default iife format warns on it) and no
 * `new URL(…, import.meta.url)` that a bundler would try to copy.
 */
import type { createRequire } from 'node:module';
import { requireNode } from './platform.js';

// a variable, not `new URL('..', import.meta.url)` literally: bundlers treat that pattern as an asset
const here = import.meta.url;

/** The URL of a file shipped in the package, from its path relative to the package root ('data/x.csv'). */
export function packageFileUrl(rel: string): URL {
  return new URL('../' + rel, here);
}

/** require() resolving from the package root (Node only; elsewhere convkit's error naming `op`). */
export function packageRequire(op: string): ReturnType<typeof createRequire> {
  return requireNode('node:module', op).createRequire(packageFileUrl('package.json'));
}
