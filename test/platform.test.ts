/**
 * src/platform.ts in process: runtime detection, typed environment variables whose errors name
 * the variable and the value, the thread-count rule, every variable documented in the README.
 * The behaviour in fresh processes (backends, `convkit info`) is in platform.slow.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ENVIRONMENT,
  getenv,
  envFlag,
  isNode,
  runtime,
  logicalCores,
  threadCount,
  nodeBuiltin,
  requireNode,
} from '../src/platform.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cores = availableParallelism();

/** Runs fn with environment variables set (undefined: removed), restoring them after. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(vars)) saved[k] = process.env[k];
  try {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('runtime detection: this is Node', () => {
  assert.equal(isNode, true);
  assert.equal(runtime, 'node');
  assert.equal(logicalCores(), cores);
  assert.equal(typeof nodeBuiltin('node:fs')?.readFileSync, 'function');
  assert.equal(requireNode('node:path', 'test').join('a', 'b'), join('a', 'b'));
});

test('getenv parses each variable to its type and names the variable and value when it cannot', () => {
  withEnv(
    {
      CONVKIT_THREADS: '3',
      CONVKIT_WASM_MEMORY_MB: '64.5',
      CONVKIT_NATIVE_ISA: 'avx2',
      CONVKIT_POOL: 'poison',
      CONVKIT_BACKEND: '',
    },
    () => {
      assert.equal(getenv('CONVKIT_THREADS'), 3);
      assert.equal(getenv('CONVKIT_WASM_MEMORY_MB'), 64.5);
      assert.equal(getenv('CONVKIT_NATIVE_ISA'), 'avx2');
      assert.equal(getenv('CONVKIT_POOL'), 'poison');
      assert.equal(getenv('CONVKIT_BACKEND'), undefined, 'empty means unset');
    },
  );
  for (const bad of ['0', 'abc', '-1', '2.5', '1e3', ' ']) {
    withEnv({ CONVKIT_THREADS: bad }, () => {
      if (bad.trim() === '') {
        assert.throws(
          () => getenv('CONVKIT_THREADS'),
          new RegExp(`CONVKIT_THREADS must be a positive integer, got '${bad}'`),
        );
        return;
      }
      assert.throws(
        () => getenv('CONVKIT_THREADS'),
        new RegExp(`^RangeError: CONVKIT_THREADS must be a positive integer, got '${bad.replace('.', '\\.')}'`),
      );
    });
  }
  withEnv({ CONVKIT_NATIVE_ISA: 'sse9' }, () =>
    assert.throws(
      () => getenv('CONVKIT_NATIVE_ISA'),
      /CONVKIT_NATIVE_ISA must be one of 'avx512', 'avx2', 'portable', got 'sse9'/,
    ),
  );
  withEnv({ CONVKIT_WASM_MEMORY_MB: '-5' }, () =>
    assert.throws(
      () => getenv('CONVKIT_WASM_MEMORY_MB'),
      /CONVKIT_WASM_MEMORY_MB must be a non-negative number, got '-5'/,
    ),
  );
  withEnv({ CONVKIT_MAX_TENSOR_MB: 'lots' }, () =>
    assert.throws(
      () => getenv('CONVKIT_MAX_TENSOR_MB'),
      /CONVKIT_MAX_TENSOR_MB must be a non-negative number, got 'lots'/,
    ),
  );
  withEnv({ CONVKIT_POOL: 'off' }, () =>
    assert.throws(() => getenv('CONVKIT_POOL'), /CONVKIT_POOL must be one of '1', '0', 'poison', got 'off'/),
  );
  withEnv({ CONVKIT_DEBUG: '0', NO_COLOR: '0' }, () => {
    assert.equal(envFlag('CONVKIT_DEBUG'), false);
    assert.equal(envFlag('NO_COLOR'), true, 'NO_COLOR: any non-empty value (no-color.org)');
  });
});

test('threadCount: the one rule (positive integer; above the cores: one warning and the core count)', () => {
  withEnv({ CONVKIT_THREADS: undefined }, () => {
    assert.equal(threadCount('t'), cores);
    assert.equal(threadCount('t', undefined, 1), 1, "a backend's own maximum applies quietly");
    assert.equal(threadCount('t', cores + 3), cores + 3, 'an explicit count from code is taken as given');
    assert.throws(() => threadCount('wasm backend', 0), /wasm backend: threads must be a positive integer, got 0/);
  });
  withEnv({ CONVKIT_THREADS: '1' }, () => assert.equal(threadCount('t'), 1));
  withEnv({ CONVKIT_THREADS: String(cores * 32) }, () => assert.equal(threadCount('t'), cores));
});

test('every environment variable is documented in the README section "Environment variables"', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.search(/^#+ Environment variables\s*$/m);
  assert.ok(start >= 0, 'README.md has a section "Environment variables"');
  const rest = readme.slice(start);
  const body = rest.indexOf('\n') + 1;
  const next = rest.slice(body).search(/^#{1,3} /m);
  const section = next >= 0 ? rest.slice(0, body + next) : rest;
  const names = [...Object.keys(ENVIRONMENT), 'CXX', 'npm_config_nodedir', 'CONVKIT_NATIVE_VERBOSE'];
  assert.deepEqual(
    names.filter((n) => !section.includes(`\`${n}\``)),
    [],
    'variables missing from the section',
  );
  // and nothing documented there that convkit does not read
  const documented = [...section.matchAll(/^\| `([A-Za-z_][A-Za-z0-9_]*)`/gm)].map((m) => m[1]);
  assert.deepEqual(
    documented.filter((n) => !names.includes(n)),
    [],
    'documented variables convkit does not read',
  );
});
