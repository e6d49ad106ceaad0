// Slow tier (reads every training image): the fixed normalisation stats the registry reports
// for mnist, mnist-seg and fashion-mnist are those of their full training splits.
import { test } from 'node:test';
import {
  channelStats,
  FASHION_MNIST_STATS,
  loadDataset,
  loadFashionMnist,
  loadMnist,
  MNIST_STATS,
} from '../../src/data/index.js';
import { assertClose } from '../helpers/check.js';

test("mnist's published stats are the full training split's (60,000 images)", async () => {
  const s = channelStats(await loadMnist({ split: 'train' }), 4096);
  assertClose(s.mean, [MNIST_STATS.mean], { atol: 1e-4 });
  assertClose(s.std, [MNIST_STATS.std], { atol: 1e-4 });
});

test("fashion-mnist's stats are its training split's, to the 3 digits published", async () => {
  const s = channelStats(await loadFashionMnist({ split: 'train' }), 4096);
  assertClose(s.mean, [FASHION_MNIST_STATS.mean], { atol: 6e-4 });
  assertClose(s.std, [FASHION_MNIST_STATS.std], { atol: 6e-4 });
});

test('registry mnist and fashion-mnist come normalised: mean 0 and std 1 over the training split', async () => {
  for (const name of ['mnist', 'fashion-mnist']) {
    const d = await loadDataset(name);
    const s = channelStats(d.train, 4096);
    assertClose(s.mean, [0], { atol: 2e-3, msg: name });
    assertClose(s.std, [1], { atol: 2e-3, msg: name });
  }
});
