// Output targets are checked before any training: free space against the bytes a target needs.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkOutputs } from '../../src/cli/output-paths.js';

test('a target larger than the free space is refused before training, naming the flag, path and sizes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-out-'));
  try {
    const path = join(dir, 'w.safetensors');
    assert.throws(
      () => checkOutputs([{ flag: '--out', path, bytes: 2 ** 62 }]),
      (e: Error) =>
        e.message.startsWith(`--out ${path}: the file needs about `) &&
        / MiB but only [\d.]+ MiB is free in /.test(e.message) &&
        e.message.endsWith('free some space or choose another directory'),
    );
    // a size that fits passes, and the probe file is gone afterwards
    checkOutputs([{ flag: '--out', path, bytes: 1024 }]);
    assert.deepEqual(readdirSync(dir), []);
    assert.throws(() => checkOutputs([{ flag: '--out', path: join(dir, 'no', 'x') }]), /does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
