// loadStateDict's errors stay readable when many keys are wrong: counts, the first ten keys of
// each kind, every shape mismatch named with both shapes, and a hint for a DDP 'module.' prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, zeros } from '../../../src/index.js';

/** A Sequential of n Linear(3, 3) layers: keys 0.weight, 0.bias, ..., (n-1).bias. */
const stack = (n: number): nn.Sequential => new nn.Sequential(...Array.from({ length: n }, () => new nn.Linear(3, 3)));

test('hundreds of missing and unexpected keys: counts and the first ten of each', () => {
  const model = stack(100); // 200 keys
  const dict = new Map([...stack(150).stateDict()].map(([k, t]) => [`x${k}`, t]));
  assert.throws(
    () => model.loadStateDict(dict),
    (e: Error) => {
      assert.match(e.message, /^Sequential\.loadStateDict: 200 missing keys: 0\.weight, 0\.bias, 1\.weight, /);
      assert.match(e.message, /4\.bias, \.\.\. and 190 more; 300 unexpected keys: x0\.weight, /);
      assert.match(e.message, /x4\.bias, \.\.\. and 290 more$/);
      assert.ok(e.message.length < 600, `message of ${e.message.length} characters`);
      return true;
    },
  );
  const res = model.loadStateDict(dict, { strict: false });
  assert.equal(res.missingKeys.length, 200);
  assert.equal(res.unexpectedKeys.length, 300);
});

test('every shape mismatch names the key and both shapes; many are counted', () => {
  const model = stack(12);
  const one = model.stateDict({ clone: true });
  one.set('3.weight', zeros([4, 3]));
  assert.throws(
    () => model.loadStateDict(one),
    /Sequential\.loadStateDict: 1 mismatch: size mismatch for '3\.weight': checkpoint has shape \[4, 3\], model has \[3, 3\]$/,
  );
  const many = new Map([...model.stateDict()].map(([k, t]) => [k, k.endsWith('bias') ? zeros([5]) : t]));
  assert.throws(
    () => model.loadStateDict(many, { strict: false }),
    (e: Error) =>
      /12 mismatches: size mismatch for '0\.bias': checkpoint has shape \[5\], model has \[3\]; /.test(e.message) &&
      /'9\.bias'.*; \.\.\. and 2 more$/.test(e.message),
  );
});

test("a DataParallel/DDP checkpoint's 'module.' prefix gets a hint", () => {
  const model = stack(2);
  const dict = new Map([...model.stateDict()].map(([k, t]) => [`module.${k}`, t]));
  assert.throws(
    () => model.loadStateDict(dict),
    /every unexpected key is a missing key with the prefix 'module\.' \(as DataParallel\/DDP saves\): strip that prefix/,
  );
});
