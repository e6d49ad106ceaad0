#!/usr/bin/python3
"""PyTorch golden fixtures for F.unfold / F.fold (issue #11, conv arithmetic).

Regenerate (deterministic, seeded; needs Debian's PyTorch 1.13 at /usr/bin/python3):

    /usr/bin/python3 scripts/gen-unfold-fixtures.py

It writes test/fixtures/torch/unfold.json in the format of scripts/gen-torch-fixtures.py (whose
helpers it reuses), read by test/arith/unfold-golden.test.ts. kwargs use torch's names plus
"kernel_size" and, for fold, "output_size".
"""
import importlib.util
import json
import os
import sys

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location('gen_torch_fixtures', os.path.join(ROOT, 'scripts', 'gen-torch-fixtures.py'))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)


def blocks(n, k, d, p, s):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def gen():
    torch.manual_seed(11)
    cfgs = [
        dict(N=2, C=3, H=5, W=6, k=(3, 3), dilation=1, padding=0, stride=1),
        dict(N=1, C=2, H=7, W=7, k=(3, 3), dilation=1, padding=1, stride=2),
        dict(N=2, C=2, H=6, W=8, k=(2, 3), dilation=(1, 2), padding=(1, 0), stride=(2, 1)),
        dict(N=1, C=1, H=9, W=9, k=(3, 3), dilation=2, padding=2, stride=3),
        dict(N=1, C=4, H=4, W=4, k=(1, 1), dilation=1, padding=0, stride=1),
        dict(N=1, C=1, H=4, W=4, k=(4, 4), dilation=1, padding=0, stride=1),
    ]
    cases = []
    for i, c in enumerate(cfgs):
        kw = dict(kernel_size=list(c['k']), dilation=c['dilation'], padding=c['padding'], stride=c['stride'])
        tkw = dict(kernel_size=c['k'], dilation=c['dilation'], padding=c['padding'], stride=c['stride'])
        x = G.rnd_in([c['N'], c['C'], c['H'], c['W']])
        cases.append(G.case('unfold', f'unfold/{i}', kw, {'input': x},
                            lambda input, tkw=tkw: F.unfold(input, **tkw)))
        (kh, kw_), (d0, d1), (p0, p1), (s0, s1) = c['k'], pair(c['dilation']), pair(c['padding']), pair(c['stride'])
        L = blocks(c['H'], kh, d0, p0, s0) * blocks(c['W'], kw_, d1, p1, s1)
        cols = G.rnd_in([c['N'], c['C'] * kh * kw_, L])
        fkw = dict(kw, output_size=[c['H'], c['W']])
        cases.append(G.case('fold', f'fold/{i}', fkw, {'input': cols},
                            lambda input, tkw=tkw, c=c: F.fold(input, output_size=(c['H'], c['W']), **tkw)))
    return cases


def main():
    torch.set_default_dtype(torch.float64)
    doc = {'generator': 'scripts/gen-unfold-fixtures.py', 'torch': torch.__version__.split('+')[0], 'family': 'unfold',
           'cases': gen()}
    text = json.dumps(doc, separators=(',', ':')) + '\n'
    path = os.path.join(G.OUT_DIR, 'unfold.json')
    with open(path, 'w') as f:
        f.write(text)
    print(f'{path}: {len(doc["cases"])} cases, {len(text)} bytes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
