// Augmentation at torchvision v2's level: per-image transforms on pixel values and batch-level
// MixUp/CutMix with soft labels, all drawn from the DataLoader's seed; crossEntropy takes the
// (N, C) probabilities. Run: node --import tsx examples/augmentation.ts
import { data, models, optim, train } from 'convkit';

const { DataLoader, Compose, PixelSpace, RandomHorizontalFlip, RandomAffine, ColorJitter, RandomErasing } = data;
const { MixUp, CutMix, RandomChoiceBatch, loadFashionMnist, FASHION_MNIST_STATS, parseAugment } = data;

// normalised with FASHION_MNIST_STATS: PixelSpace undoes it around the augmentations
const trainSet = await loadFashionMnist({ split: 'train', limit: 2048, normalize: true });
const testSet = await loadFashionMnist({ split: 'test', limit: 1024, normalize: true });

// Written out, as one would in torchvision (augment pixels, then Normalize):
const perImage = new PixelSpace(
  FASHION_MNIST_STATS,
  new Compose([
    new RandomHorizontalFlip(),
    new RandomAffine({ degrees: 10, translate: 0.1, scale: [0.9, 1.1], shear: 5 }),
    new ColorJitter({ brightness: 0.2, contrast: 0.2 }),
    new RandomErasing({ p: 0.25 }),
  ]),
);
const mix = new RandomChoiceBatch([new MixUp({ numClasses: 10, alpha: 0.2 }), new CutMix({ numClasses: 10 })]);
// ... or the same from a spec string, as `convkit train --augment` does:
const fromSpec = parseAugment('hflip,rotate=10,translate=0.1,scale=0.1,shear=5,jitter=0.2,erase=0.25,mixup,cutmix', {
  numClasses: 10,
  channels: 1,
  normalize: FASHION_MNIST_STATS,
});
console.log(fromSpec.description);

const loader = new DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 0, transform: perImage, batchTransform: mix });
const model = models.lenet5();
await train.fit(model, loader, {
  epochs: 2,
  optimizer: new optim.Adam(model.parameters(), { lr: 3e-3 }),
  validation: testSet,
});
console.log(train.evaluate(model, testSet));
