import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F } from '../../src/index.js';
import { checkCase, loadFixtures, req, size2 } from './golden.js';

/** torch's stride=None means "the kernel size"; convkit takes null or undefined the same way. */
function stride2(v: unknown): number | [number, number] | null {
  return v === null ? null : size2(v);
}

for (const c of loadFixtures('pool')) {
  test(`golden ${c.name}`, () => {
    const k = c.kwargs;
    checkCase(c, (inp) => {
      const x = req(inp, 'input');
      switch (c.op) {
        case 'max_pool1d':
          return F.maxPool1d(x, {
            kernelSize: k.kernel_size as number,
            stride: k.stride as number | null,
            padding: k.padding as number,
            dilation: k.dilation as number,
            ceilMode: k.ceil_mode as boolean,
          });
        case 'max_pool2d':
          return F.maxPool2d(x, {
            kernelSize: size2(k.kernel_size),
            stride: stride2(k.stride),
            padding: size2(k.padding),
            dilation: size2(k.dilation),
            ceilMode: k.ceil_mode as boolean,
          });
        case 'avg_pool2d':
          return F.avgPool2d(x, {
            kernelSize: size2(k.kernel_size),
            stride: stride2(k.stride),
            padding: size2(k.padding),
            ceilMode: k.ceil_mode as boolean,
            countIncludePad: k.count_include_pad as boolean,
            divisorOverride: (k.divisor_override as number | undefined) ?? null,
          });
        case 'lp_pool2d':
          return F.lpPool2d(x, k.norm_type as number, size2(k.kernel_size), {
            stride: stride2(k.stride),
            ceilMode: k.ceil_mode as boolean,
          });
        case 'adaptive_avg_pool2d':
          return F.adaptiveAvgPool2d(x, size2(k.output_size));
        case 'adaptive_max_pool2d':
          return F.adaptiveMaxPool2d(x, size2(k.output_size));
        default:
          assert.fail(`unknown op ${c.op}`);
      }
    });
  });
}
