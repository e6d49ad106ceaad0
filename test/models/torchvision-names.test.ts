// The zoo's module paths are torchvision's: every state-dict key (and shape) of torchvision 0.14's
// alexnet, vgg11, vgg16, googlenet (with and without aux_logits) and resnet18/34/50, listed by
// scripts/gen-torchvision-fixtures.py in test/fixtures/torchvision/torchvision-keys.json, is a key
// of convkit's model, in the same order, and nothing else is. AlexNet and VGG are built with a
// small classifier width (their 100M-weight Linear layers would only slow the test down), so
// only their names and feature shapes are compared here; test/io/torchvision-parity.slow.test.ts loads
// the full-size torchvision weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { models, type nn } from '../../src/index.js';

const KEYS = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'torchvision', 'torchvision-keys.json'), 'utf8'),
) as Record<string, [string, number[]][]>;

const CASES: Record<string, { build: () => nn.Module; fullSize: boolean }> = {
  alexnet: { build: () => models.alexnet({ hidden: 8 }), fullSize: false },
  vgg11: { build: () => models.vgg11({ hidden: 8, init: 'default' }), fullSize: false },
  vgg16: { build: () => models.vgg16({ hidden: 8, init: 'default' }), fullSize: false },
  googlenet: { build: () => models.googlenet({ init: 'default' }), fullSize: true },
  'googlenet-aux': { build: () => models.googlenet({ auxLogits: true, init: 'default' }), fullSize: true },
  resnet18: { build: () => models.resnet18({ init: 'default' }), fullSize: true },
  resnet34: { build: () => models.resnet34({ init: 'default' }), fullSize: true },
  resnet50: { build: () => models.resnet50({ init: 'default' }), fullSize: true },
};

test('the fixture lists every torchvision model of the zoo', () => {
  assert.deepEqual(Object.keys(KEYS), Object.keys(CASES));
});

for (const [name, { build, fullSize }] of Object.entries(CASES)) {
  test(`${name}: the state-dict keys are torchvision's, in torchvision's order`, () => {
    const own = build().stateDict();
    const theirs = KEYS[name];
    const ownKeys = [...own.keys()];
    const matched = theirs.filter(([k]) => own.has(k)).length;
    assert.equal(matched, theirs.length, `${name}: ${matched}/${theirs.length} torchvision keys matched`);
    assert.deepEqual(
      ownKeys,
      theirs.map(([k]) => k),
    );
    for (const [k, shape] of theirs) {
      if (!fullSize && k.startsWith('classifier.')) continue;
      assert.deepEqual(own.get(k)?.shape, shape, `${name}: shape of ${k}`);
    }
  });
}
