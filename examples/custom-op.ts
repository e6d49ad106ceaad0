// A user-defined differentiable op checked with gradcheck (the README's snippet).
// Run: node --import tsx examples/custom-op.ts
import { autograd, randn } from 'convkit';

const cube = autograd.customOp('cube', (x) => x.mul(x).mul(x), (grad, [x]) => grad.mul(x.square().mul(3)));
console.log(autograd.gradcheck(cube, [randn([2, 3])]));   // true; a wrong backward throws, naming the element
