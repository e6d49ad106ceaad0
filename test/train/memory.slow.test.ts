import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./memory-child.ts', import.meta.url));

test('20,000 training steps of a small CNN keep RSS growth under 50 MB after warm-up', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', child, '20000'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, CONVKIT_BACKEND: process.env.CONVKIT_BACKEND ?? 'js' },
  });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim()) as {
    steps: number;
    warmRss: number;
    endRss: number;
    seconds: number;
    lastLoss: number;
  };
  assert.equal(res.steps, 20000);
  assert.ok(res.lastLoss < 0.01, `the loop trained (final loss ${res.lastLoss})`);
  const growthMb = (res.endRss - res.warmRss) / 2 ** 20;
  assert.ok(
    growthMb < 50,
    `RSS grew by ${growthMb.toFixed(1)} MB over ${res.steps} steps (${res.seconds.toFixed(1)} s)`,
  );
});
