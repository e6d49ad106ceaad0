import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F } from '../../src/index.js';
import { checkCase, loadFixtures, req, size2, type Kwargs } from './golden.js';

type Pad = F.PaddingString;
type PadMode = F.PaddingMode;

function padding(k: Kwargs): number | [number, number] | Pad {
  const p = k.padding;
  return typeof p === 'string' ? (p as Pad) : size2(p);
}

for (const c of loadFixtures('conv')) {
  test(`golden ${c.name}`, () => {
    const k = c.kwargs;
    checkCase(c, (inp) => {
      const x = req(inp, 'input'),
        w = req(inp, 'weight'),
        b = inp.bias;
      switch (c.op) {
        case 'conv1d': {
          const p = k.padding;
          return F.conv1d(x, w, b, {
            stride: k.stride as number,
            padding: typeof p === 'string' ? (p as Pad) : (p as number),
            dilation: k.dilation as number,
            groups: k.groups as number,
            paddingMode: (k.padding_mode as PadMode | undefined) ?? 'zeros',
          });
        }
        case 'conv2d':
          return F.conv2d(x, w, b, {
            stride: size2(k.stride),
            padding: padding(k),
            dilation: size2(k.dilation),
            groups: k.groups as number,
            paddingMode: (k.padding_mode as PadMode | undefined) ?? 'zeros',
          });
        case 'conv_transpose2d':
          return F.convTranspose2d(x, w, b, {
            stride: size2(k.stride),
            padding: size2(k.padding),
            outputPadding: size2(k.output_padding),
            dilation: size2(k.dilation),
            groups: k.groups as number,
          });
        default:
          assert.fail(`unknown op ${c.op}`);
      }
    });
  });
}
