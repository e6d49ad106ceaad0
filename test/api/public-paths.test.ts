// One public path per symbol (issue 8): no function, class or object is exported under two names
// (top level and a namespace, or two namespaces), and the top level holds only the tensor core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as convkit from '../../src/index.js';

const NAMESPACES = [
  'F',
  'nn',
  'optim',
  'data',
  'io',
  'vision',
  'train',
  'models',
  'autograd',
  'explain',
  'plot',
] as const;

test('every public value has exactly one path', () => {
  const paths = new Map<unknown, string[]>();
  const visit = (obj: object, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (v === null || (typeof v !== 'function' && typeof v !== 'object')) continue;
      paths.set(v, [...(paths.get(v) ?? []), prefix + k]);
    }
  };
  visit(convkit, '');
  for (const ns of NAMESPACES) visit(convkit[ns], `${ns}.`);
  visit(convkit.nn.init, 'nn.init.');
  const dups = [...paths.values()].filter((p) => p.length > 1).map((p) => p.join(' = '));
  assert.deepEqual(dups, []);
});

test('the top level is the tensor core plus the namespaces', () => {
  const core = [
    'Tensor',
    'setPrintOptions',
    'tensor',
    'zeros',
    'ones',
    'full',
    'zerosLike',
    'onesLike',
    'arange',
    'linspace',
    'rand',
    'randn',
    'randint',
    'manualSeed',
    'getRngState',
    'setRngState',
    'randperm',
    'concat',
    'stack',
    'matmul',
    'where',
    'gather',
    'split',
    'chunk',
    'repeat',
    'flip',
    'cumsum',
    'isclose',
    'allclose',
    'noGrad',
    'enableGrad',
    'isGradEnabled',
    'getBackend',
    'setBackend',
    'listBackends',
    'registerBackend',
    'backendFailure',
    'ready',
    'disposeBackend',
    'initWasmBackend',
    'initWebGPU',
  ];
  assert.deepEqual(Object.keys(convkit).sort(), [...core, ...NAMESPACES].sort());
});
