/**
 * examples/l1-sparsity.ts runs (against src through tsconfig.examples.json) and prints its
 * table: every proximal row has exact zeros, every penalty row none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('examples/l1-sparsity.ts: proximal L1 rows have exact zeros, the L1 penalty rows none', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/l1-sparsity.ts', '--epochs', '8'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.examples.json' },
  });
  assert.equal(r.status, 0, `exit ${r.status}:\n${r.stdout}${r.stderr}`);
  const rows = [
    ...r.stdout.matchAll(/^\| (penalty|proximal|elastic) +\| ([\d.e-]+) +\| +([\d.]+)% \| +(\d+)\/512 \|/gm),
  ];
  assert.equal(rows.length, 8, r.stdout);
  for (const [, how, lambda, acc, zeros] of rows) {
    assert.ok(Number(acc) > 85, `${how} ${lambda}: accuracy ${acc}%`);
    if (how === 'penalty') assert.ok(Number(zeros) <= 5, `${how} ${lambda}: ${zeros} exact zeros`);
    else assert.ok(Number(zeros) > 0, `${how} ${lambda}: ${zeros} exact zeros`);
  }
});
