/** `autograd`: extending autograd (customOp) and checking gradients (gradcheck), as torch.autograd. */
export { customOp } from './custom-op.js';
export type { CustomBackward } from './custom-op.js';
export { gradcheck } from './gradcheck.js';
export type { GradcheckOptions } from './gradcheck.js';
