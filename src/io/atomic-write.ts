/**
 * Crash-safe file writes (Node only): the data goes to a temporary file in the same directory,
 * is flushed to disk (fsync), and is then renamed over the target. rename() within one file
 * system is atomic, so after a crash at any point the target holds either its old contents
 * or the complete new contents, never a mixture.
 */
import type { FileHandle } from 'node:fs/promises';
import { nodeModules, type NodeModules } from '../platform.js';

/** Writes bytes to an open file; replaceable to test crash handling. */
export type ChunkWriter = (handle: FileHandle, chunk: Uint8Array, position: number) => Promise<void>;

/** Options of atomicWriteFile. */
export interface AtomicWriteOptions {
  /** Bytes per write call; default 4 MiB. */
  chunkSize?: number;
  /** Performs each chunk write (default: handle.write until the chunk is fully written). */
  writeChunk?: ChunkWriter;
}

const defaultWriter: ChunkWriter = async (handle, chunk, position) => {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
};

/**
 * Removes the temporary files of earlier saves of the same file whose process is gone (a save
 * interrupted by kill -9 or a power cut leaves `.<name>.<pid>.<id>.tmp` behind); best effort.
 */
async function removeStaleTemps(fsp: NodeModules['fsp'], dir: string, base: string): Promise<void> {
  const prefix = `.${base}.`;
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-z]+\.tmp$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (e) {
        alive = (e as { code?: string }).code === 'EPERM';
      }
    }
    if (!alive) await fsp.rm(`${dir}/${name}`, { force: true }).catch(() => undefined);
  }
}

/** Atomically replaces path with data (string data is written as UTF-8). */
export async function atomicWriteFile(
  path: string,
  data: Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const { fsp, path: pathMod } = await nodeModules('atomicWriteFile');
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const chunkSize = options.chunkSize ?? 4 << 20;
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new RangeError(`atomicWriteFile: chunkSize must be a positive integer, got ${String(chunkSize)}`);
  const write = options.writeChunk ?? defaultWriter;
  const dir = pathMod.dirname(pathMod.resolve(path));
  const tmp = pathMod.join(
    dir,
    `.${pathMod.basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`,
  );
  await removeStaleTemps(fsp, dir, pathMod.basename(path));
  let handle: FileHandle | null = null;
  try {
    handle = await fsp.open(tmp, 'wx', 0o644);
    for (let at = 0; at < bytes.length; at += chunkSize)
      await write(handle, bytes.subarray(at, Math.min(bytes.length, at + chunkSize)), at);
    await handle.sync();
    await handle.close();
    handle = null;
    await fsp.rename(tmp, path);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(
      `atomicWriteFile: writing ${path} failed (${e instanceof Error ? e.message : String(e)}); the previous file, if any, is unchanged`,
      { cause: e },
    );
  }
  // Make the rename itself durable; not every platform lets a directory be opened and synced.
  try {
    const dh = await fsp.open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    /* best effort: the data file itself is already synced */
  }
}
