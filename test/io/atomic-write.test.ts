import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { atomicWriteFile } from '../../src/io/atomic-write.js';

test('atomicWriteFile replaces the file and leaves no temp file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-atomic-'));
  try {
    const path = join(dir, 'out.bin');
    await atomicWriteFile(path, Uint8Array.of(1, 2, 3));
    await atomicWriteFile(path, new Uint8Array(10_000).fill(9), { chunkSize: 999 });
    const got = readFileSync(path);
    assert.equal(got.length, 10_000);
    assert.ok(got.every((b) => b === 9));
    await atomicWriteFile(path, 'text ✓');
    assert.equal(readFileSync(path, 'utf8'), 'text ✓');
    assert.deepEqual(readdirSync(dir), ['out.bin']);
    await assert.rejects(
      atomicWriteFile(join(dir, 'no', 'such', 'dir.bin'), 'x'),
      /atomicWriteFile: writing .*dir.bin failed/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write that fails midway leaves the old file intact and removes the temp file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-atomic-'));
  try {
    const path = join(dir, 'weights.safetensors');
    writeFileSync(path, 'old contents');
    let calls = 0;
    await assert.rejects(
      atomicWriteFile(path, new Uint8Array(1000).fill(7), {
        chunkSize: 100,
        writeChunk: async (handle, chunk, position) => {
          if (++calls === 4) throw new Error('disk full (simulated)');
          await handle.write(chunk, 0, chunk.length, position);
        },
      }),
      /writing .*weights.safetensors failed \(disk full \(simulated\)\); the previous file, if any, is unchanged/,
    );
    assert.equal(calls, 4);
    assert.equal(readFileSync(path, 'utf8'), 'old contents');
    assert.deepEqual(readdirSync(dir), ['weights.safetensors']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process killed in the middle of a save leaves the old file intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-atomic-'));
  try {
    const path = join(dir, 'model.bin');
    writeFileSync(path, 'previous model');
    const moduleUrl = pathToFileURL(resolve('src/io/atomic-write.ts')).href;
    const child = join(dir, 'child.mts');
    // The child writes 1 MB in 64 KB chunks, pausing after each so it can be killed mid-file.
    writeFileSync(
      child,
      `
      import { atomicWriteFile } from ${JSON.stringify(moduleUrl)};
      await atomicWriteFile(${JSON.stringify(path)}, new Uint8Array(1 << 20).fill(1), {
        chunkSize: 1 << 16,
        writeChunk: async (h, chunk, pos) => {
          await h.write(chunk, 0, chunk.length, pos);
          process.stdout.write('chunk\\n');
          await new Promise((r) => setTimeout(r, 200));
        },
      });
      process.stdout.write('done\\n');
    `,
    );
    const proc = spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolveWait, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('chunk').length - 1 >= 2) {
          proc.kill('SIGKILL');
        }
      });
      proc.on('exit', () => resolveWait());
      proc.on('error', reject);
    });
    assert.ok(!out.includes('done'), 'the child finished before it was killed');
    assert.ok(out.includes('chunk'), 'the child never started writing');
    assert.equal(readFileSync(path, 'utf8'), 'previous model');
    // The crash may leave its temp file behind, but never under the target name.
    for (const f of readdirSync(dir))
      if (f !== 'model.bin' && f !== 'child.mts') assert.match(f, /^\.model\.bin\..*\.tmp$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
