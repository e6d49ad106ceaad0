/**
 * examples/seed004-net.ts (seed 004's PyTorch `Net` ported with property assignment) runs and
 * trains: it prints the module tree, its 57 parameters under PyTorch's keys, and a squared
 * error well below both the untrained one and that of predicting the mean. The example imports
 * 'convkit'; tsx maps that to src/ through tsconfig.examples.json, so no build is needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

test("examples/seed004-net.ts: seed 004's Net registers its layers, prints its tree and trains", () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/seed004-net.ts', '--epochs', '150'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.examples.json' },
  });
  assert.equal(r.status, 0, `exit ${r.status}:\n${r.stdout}${r.stderr}`);
  assert.ok(
    r.stdout.startsWith(
      [
        'Net(',
        '  (fc1): Linear(inFeatures=3, outFeatures=6, bias=true)',
        '  (fc2): Linear(inFeatures=6, outFeatures=4, bias=true)',
        '  (fc3): Linear(inFeatures=4, outFeatures=1, bias=true)',
        ')',
        'parameters: 57 in fc1.weight, fc1.bias, fc2.weight, fc2.bias, fc3.weight, fc3.bias',
      ].join('\n'),
    ),
    r.stdout,
  );
  const m = /mse before (\d+\.\d+), after 150 epochs (\d+\.\d+) \(predicting the mean: (\d+\.\d+)\)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const [before, after, baseline] = m.slice(1).map(Number);
  assert.ok(after < before / 5, `mse ${before} -> ${after}`);
  assert.ok(after < baseline / 5, `mse ${after} against the mean predictor's ${baseline}`);
});
