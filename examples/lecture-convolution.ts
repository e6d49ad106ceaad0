// The lectures' worked examples, reproduced: 1-D convolution, the 6x6 edge detector,
// "notice the flip", output sizes, and 2x2 max pooling.
// Run: npm run build && node --import tsx examples/lecture-convolution.ts
import { F, tensor } from 'convkit';

// 1-D: [4,1,1,2,3,5,8,13] with kernel [1,-2,1] (a discrete second derivative)
const signal = tensor([4, 1, 1, 2, 3, 5, 8, 13]);
console.log('valid :', F.convolve1d(signal, tensor([1, -2, 1])).toArray());
console.log('same  :', F.convolve1d(signal, tensor([1, -2, 1]), 'same').toArray());

// the 6x6 image, bright left half, with a vertical edge kernel
const img = tensor(Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]));
const k = tensor([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]);
console.log('cross-correlation (what CNN layers compute):', F.correlate2d(img, k).toArray());
console.log('true convolution (kernel flipped)          :', F.convolve2d(img, k).toArray());

// output size: 32x32 input, 3x3 kernel
for (const [padding, stride] of [[0, 1], [1, 1], [2, 2]]) {
  console.log(`padding ${padding}, stride ${stride}:`, F.convOutputSize(32, 3, { padding, stride }));
}

// max pooling a 4x4 map with 2x2 windows, stride 2
const map = tensor([[[[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]]]);
console.log('max pool:', JSON.stringify(F.maxPool2d(map, { kernelSize: 2 }).toArray()));
