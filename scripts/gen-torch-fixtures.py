#!/usr/bin/python3
"""PyTorch golden fixtures for convkit's tests (issue #2).

Regenerate (deterministic, seeded; needs Debian's PyTorch 1.13 at /usr/bin/python3):

    /usr/bin/python3 scripts/gen-torch-fixtures.py [family ...]

It writes test/fixtures/torch/<family>.json (conv, pool, norm, loss, activation, optim,
scheduler),
read by test/golden/*.test.ts.

Format of each file:

    {"generator": "scripts/gen-torch-fixtures.py", "torch": "<version>", "family": "conv",
     "cases": [ {
        "op":     "conv2d",                 # torch.nn.functional name (snake_case)
        "name":   "conv2d/stride2-pad1",    # unique, readable
        "kwargs": {"stride": 2, ...},       # the torch keyword arguments, torch spelling
        "inputs": {"input": T, "weight": T, "bias": T | null, ...},
        "output": T,                         # forward result
        "gradOutput": T,                     # fixed random upstream gradient
        "grads":  {"input": T, "weight": T, ...},   # d(sum(output * gradOutput))/d(input)
        "extra":  {...}                      # op-specific (e.g. batch_norm running stats after)
     }, ...]}

where T = {"shape": [..], "data": [flat row-major values]} and integer tensors (class
indices) carry "dtype": "int64". Inputs are rounded to 4 decimals and then used exactly,
so convkit sees bit-identical float32 inputs; the reference computation runs in float64
on those values, so the expected results carry no float32 error of their own. Outputs
and gradients are rounded to 7 significant digits.

optim.json cases have: "optimizer" (torch class name), "kwargs" (torch names),
"params" (list of T, initial values), "grads" (per step, a list of T per parameter),
"trajectory" (per step, the list of parameter values after that step), and optionally
"groups" (one dict of overrides per parameter, each parameter in its own group).
scheduler.json cases have: "scheduler", "kwargs" (torch names), "lr" (the base rate),
"lrs" (the rate after construction, then after each step()) and, for ReduceLROnPlateau,
"metrics" (the value passed to each step).
"""
import json
import math
import os
import sys

import warnings

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'torch')
DT = torch.float64


def rnd_in(shape, lo=-2.0, hi=2.0):
    """A float64 tensor of random inputs rounded to 4 decimals (exactly representable as used)."""
    x = torch.rand(shape, dtype=DT) * (hi - lo) + lo
    x = torch.round(x * 1e4) / 1e4
    # make the float64 value equal to the float32 value JS will parse, so both sides agree bit-for-bit
    return x.float().double()


def randn_in(shape, scale=1.0):
    x = torch.randn(shape, dtype=DT) * scale
    x = torch.round(x * 1e4) / 1e4
    return x.float().double()


def g7(v):
    if math.isnan(v) or math.isinf(v):
        raise ValueError('non-finite value in fixture')
    return float('%.7g' % v)


def enc(t, decimals=None):
    """Encodes a tensor as {shape, data}."""
    if t is None:
        return None
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        return {'shape': list(t.shape), 'dtype': 'int64', 'data': [int(v) for v in t.reshape(-1).tolist()]}
    vals = t.reshape(-1).tolist()
    if decimals is not None:
        data = [float(round(v, decimals)) for v in vals]
        data = [0.0 if v == 0 else v for v in data]
    else:
        data = [g7(v) for v in vals]
    return {'shape': list(t.shape), 'data': data}


def enc_in(t):
    """Inputs are exact float32 values; shortest float32 decimal repr round-trips."""
    if t is None:
        return None
    if t.dtype in (torch.int64, torch.int32):
        return enc(t)
    vals = t.reshape(-1).tolist()
    return {'shape': list(t.shape), 'data': [float(repr_f32(v)) for v in vals]}


def repr_f32(v):
    # shortest decimal string that parses back to the same float32
    for p in range(1, 10):
        s = '%.*g' % (p, v)
        if torch.tensor(float(s), dtype=torch.float32).item() == torch.tensor(v, dtype=torch.float32).item():
            return s
    return repr(v)


def case(op, name, kwargs, inputs, fn, extra_fn=None, grad_wrt=None):
    """Runs fn(**inputs, **kwargs) in float64, backprops a fixed random gradOutput, encodes it all."""
    leaves = {}
    for k, v in inputs.items():
        if v is not None and v.dtype == DT and (grad_wrt is None or k in grad_wrt):
            v = v.clone().requires_grad_(True)
        leaves[k] = v
    out = fn(**leaves)
    g_out = randn_in(out.shape)
    grads = {}
    diff = {k: v for k, v in leaves.items() if v is not None and v.requires_grad}
    if out.requires_grad and diff:
        gs = torch.autograd.grad(out, list(diff.values()), g_out, allow_unused=True)
        for (k, v), g in zip(diff.items(), gs):
            grads[k] = enc(g if g is not None else torch.zeros_like(v))
    c = {'op': op, 'name': name, 'kwargs': kwargs,
         'inputs': {k: enc_in(v.detach() if v is not None else None) for k, v in inputs.items()},
         'output': enc(out), 'gradOutput': enc_in(g_out), 'grads': grads}
    if extra_fn is not None:
        c['extra'] = extra_fn()
    return c


# ---------------------------------------------------------------- convolution
def gen_conv():
    torch.manual_seed(1)
    cases = []
    conv1d_cfgs = [
        dict(N=2, Cin=3, Cout=4, L=9, K=3, stride=1, padding=0, dilation=1, groups=1, bias=True),
        dict(N=1, Cin=4, Cout=6, L=10, K=4, stride=2, padding=1, dilation=1, groups=2, bias=False),
        dict(N=2, Cin=2, Cout=3, L=11, K=3, stride=1, padding='same', dilation=2, groups=1, bias=True),
        dict(N=1, Cin=3, Cout=2, L=8, K=2, stride=1, padding='same', dilation=1, groups=1, bias=True),
        dict(N=2, Cin=2, Cout=2, L=7, K=3, stride=3, padding='valid', dilation=1, groups=1, bias=True),
    ]
    conv1d_cfgs += [
        dict(N=2, Cin=2, Cout=3, L=8, K=3, stride=1, padding=2, dilation=1, groups=1, bias=True, padding_mode='reflect'),
        dict(N=1, Cin=2, Cout=2, L=7, K=3, stride=2, padding=1, dilation=1, groups=1, bias=True, padding_mode='circular'),
        dict(N=1, Cin=2, Cout=2, L=6, K=3, stride=1, padding=1, dilation=1, groups=2, bias=False, padding_mode='replicate'),
    ]
    for i, c in enumerate(conv1d_cfgs):
        x = rnd_in([c['N'], c['Cin'], c['L']])
        w = rnd_in([c['Cout'], c['Cin'] // c['groups'], c['K']], -1, 1)
        b = rnd_in([c['Cout']], -1, 1) if c['bias'] else None
        mode = c.get('padding_mode', 'zeros')
        kw = dict(stride=c['stride'], padding=c['padding'], dilation=c['dilation'], groups=c['groups'])

        def fn1(input, weight, bias, c=c, kw=kw, mode=mode):
            if mode == 'zeros':
                return F.conv1d(input, weight, bias, **kw)
            m = torch.nn.Conv1d(c['Cin'], c['Cout'], c['K'], padding_mode=mode, bias=bias is not None, **kw)
            return m._conv_forward(input, weight, bias)
        if mode != 'zeros':
            kw = dict(kw, padding_mode=mode)
        cases.append(case('conv1d', f'conv1d/{i}' + (f'-{mode}' if mode != 'zeros' else ''), kw,
                          {'input': x, 'weight': w, 'bias': b}, fn1))

    conv2d_cfgs = [
        dict(N=2, Cin=3, Cout=4, H=7, W=6, K=(3, 3), stride=1, padding=0, dilation=1, groups=1, bias=True),
        dict(N=1, Cin=2, Cout=3, H=8, W=8, K=(3, 3), stride=2, padding=1, dilation=1, groups=1, bias=False),
        dict(N=2, Cin=4, Cout=4, H=6, W=7, K=(2, 3), stride=(1, 2), padding=(1, 0), dilation=1, groups=2, bias=True),
        dict(N=1, Cin=3, Cout=3, H=9, W=9, K=(3, 3), stride=1, padding=2, dilation=2, groups=3, bias=True),
        dict(N=2, Cin=2, Cout=3, H=6, W=5, K=(3, 3), stride=1, padding='same', dilation=1, groups=1, bias=True),
        dict(N=1, Cin=2, Cout=2, H=7, W=6, K=(4, 2), stride=1, padding='same', dilation=1, groups=1, bias=True),
        dict(N=1, Cin=2, Cout=2, H=9, W=8, K=(3, 2), stride=1, padding='same', dilation=(2, 3), groups=1, bias=False),
        dict(N=2, Cin=3, Cout=2, H=6, W=6, K=(3, 3), stride=2, padding='valid', dilation=1, groups=1, bias=True),
        dict(N=1, Cin=6, Cout=4, H=5, W=5, K=(1, 1), stride=1, padding=0, dilation=1, groups=2, bias=True),
        dict(N=2, Cin=2, Cout=3, H=6, W=7, K=(3, 3), stride=1, padding=1, dilation=1, groups=1, bias=True, padding_mode='reflect'),
        dict(N=1, Cin=2, Cout=2, H=5, W=6, K=(3, 3), stride=2, padding=(2, 1), dilation=1, groups=1, bias=True, padding_mode='replicate'),
        dict(N=1, Cin=2, Cout=2, H=5, W=5, K=(3, 3), stride=1, padding=1, dilation=1, groups=2, bias=False, padding_mode='circular'),
        dict(N=1, Cin=2, Cout=2, H=6, W=6, K=(3, 3), stride=1, padding='same', dilation=1, groups=1, bias=True, padding_mode='reflect'),
    ]
    for i, c in enumerate(conv2d_cfgs):
        x = rnd_in([c['N'], c['Cin'], c['H'], c['W']])
        w = rnd_in([c['Cout'], c['Cin'] // c['groups'], *c['K']], -1, 1)
        b = rnd_in([c['Cout']], -1, 1) if c['bias'] else None
        mode = c.get('padding_mode', 'zeros')
        kw = dict(stride=c['stride'], padding=c['padding'], dilation=c['dilation'], groups=c['groups'])
        if mode != 'zeros':
            kw['padding_mode'] = mode

        def fn(input, weight, bias, c=c, mode=mode):
            # nn.Conv2d semantics: non-zero padding modes pad explicitly, then convolve unpadded
            pad = c['padding']
            if mode == 'zeros':
                return F.conv2d(input, weight, bias, stride=c['stride'], padding=pad, dilation=c['dilation'], groups=c['groups'])
            m = torch.nn.Conv2d(c['Cin'], c['Cout'], c['K'], stride=c['stride'], padding=pad, dilation=c['dilation'],
                                groups=c['groups'], bias=bias is not None, padding_mode=mode)
            return m._conv_forward(input, weight, bias)
        cases.append(case('conv2d', f'conv2d/{i}' + (f'-{mode}' if mode != 'zeros' else ''), kw,
                          {'input': x, 'weight': w, 'bias': b}, fn))

    convt_cfgs = [
        dict(N=2, Cin=3, Cout=2, H=4, W=5, K=(3, 3), stride=1, padding=0, output_padding=0, dilation=1, groups=1, bias=True),
        dict(N=1, Cin=2, Cout=3, H=4, W=4, K=(3, 3), stride=2, padding=1, output_padding=1, dilation=1, groups=1, bias=True),
        dict(N=2, Cin=4, Cout=2, H=3, W=4, K=(2, 3), stride=(2, 3), padding=(0, 1), output_padding=(1, 2), dilation=1, groups=2, bias=False),
        dict(N=1, Cin=2, Cout=2, H=4, W=3, K=(3, 2), stride=2, padding=1, output_padding=0, dilation=2, groups=1, bias=True),
        dict(N=1, Cin=3, Cout=6, H=3, W=3, K=(4, 4), stride=2, padding=1, output_padding=0, dilation=1, groups=3, bias=True),
    ]
    for i, c in enumerate(convt_cfgs):
        x = rnd_in([c['N'], c['Cin'], c['H'], c['W']])
        w = rnd_in([c['Cin'], c['Cout'] // c['groups'], *c['K']], -1, 1)
        b = rnd_in([c['Cout']], -1, 1) if c['bias'] else None
        kw = dict(stride=c['stride'], padding=c['padding'], output_padding=c['output_padding'], groups=c['groups'], dilation=c['dilation'])
        cases.append(case('conv_transpose2d', f'conv_transpose2d/{i}', kw, {'input': x, 'weight': w, 'bias': b},
                          lambda input, weight, bias, kw=kw: F.conv_transpose2d(input, weight, bias, **kw)))
    return cases


# ---------------------------------------------------------------- pooling
def gen_pool():
    torch.manual_seed(2)
    cases = []
    for i, c in enumerate([
        dict(shape=[2, 3, 9], kernel_size=3, stride=None, padding=0, dilation=1, ceil_mode=False),
        dict(shape=[1, 2, 10], kernel_size=4, stride=3, padding=2, dilation=1, ceil_mode=True),
        dict(shape=[2, 2, 11], kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=False),
        dict(shape=[1, 3, 8], kernel_size=2, stride=3, padding=0, dilation=1, ceil_mode=True),
    ]):
        x = rnd_in(c.pop('shape'))
        cases.append(case('max_pool1d', f'max_pool1d/{i}', c, {'input': x}, lambda input, c=c: F.max_pool1d(input, **c)))
    for i, c in enumerate([
        dict(shape=[2, 3, 8, 8], kernel_size=2, stride=None, padding=0, dilation=1, ceil_mode=False),
        dict(shape=[1, 2, 7, 9], kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False),
        dict(shape=[1, 2, 7, 7], kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=True),
        dict(shape=[2, 1, 10, 9], kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), dilation=(2, 1), ceil_mode=True),
        dict(shape=[1, 3, 6, 5], kernel_size=(2, 3), stride=1, padding=(1, 0), dilation=1, ceil_mode=False),
        # ceil_mode with a last window that would start in the right padding: torch drops it
        dict(shape=[1, 2, 5, 5], kernel_size=2, stride=2, padding=1, dilation=1, ceil_mode=True),
    ]):
        x = rnd_in(c.pop('shape'))
        cases.append(case('max_pool2d', f'max_pool2d/{i}', c, {'input': x}, lambda input, c=c: F.max_pool2d(input, **c)))
    for i, c in enumerate([
        dict(shape=[2, 3, 8, 8], kernel_size=2, stride=None, padding=0, ceil_mode=False, count_include_pad=True),
        dict(shape=[1, 2, 7, 9], kernel_size=3, stride=2, padding=1, ceil_mode=False, count_include_pad=True),
        dict(shape=[1, 2, 7, 9], kernel_size=3, stride=2, padding=1, ceil_mode=False, count_include_pad=False),
        dict(shape=[1, 2, 7, 7], kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=True),
        dict(shape=[2, 1, 8, 7], kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), ceil_mode=True, count_include_pad=False),
        dict(shape=[1, 2, 6, 6], kernel_size=4, stride=3, padding=0, ceil_mode=True, count_include_pad=True),
        dict(shape=[1, 2, 5, 5], kernel_size=2, stride=2, padding=1, ceil_mode=True, count_include_pad=True),
        dict(shape=[1, 2, 5, 5], kernel_size=2, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        dict(shape=[1, 2, 7, 6], kernel_size=3, stride=2, padding=1, ceil_mode=False, count_include_pad=True, divisor_override=4),
    ]):
        x = rnd_in(c.pop('shape'))
        cases.append(case('avg_pool2d', f'avg_pool2d/{i}', c, {'input': x}, lambda input, c=c: F.avg_pool2d(input, **c)))
    for i, c in enumerate([
        dict(shape=[1, 2, 6, 6], norm_type=2.0, kernel_size=2, stride=None, ceil_mode=False),
        dict(shape=[2, 2, 7, 8], norm_type=3.0, kernel_size=3, stride=2, ceil_mode=False),
        dict(shape=[1, 3, 5, 6], norm_type=1.0, kernel_size=(2, 3), stride=(1, 2), ceil_mode=False),
        dict(shape=[1, 2, 7, 7], norm_type=2.0, kernel_size=3, stride=2, ceil_mode=True),
    ]):
        x = rnd_in(c.pop('shape'), 0.2, 2.0)  # positive inputs keep |x|^p smooth for odd p
        cases.append(case('lp_pool2d', f'lp_pool2d/{i}', c, {'input': x}, lambda input, c=c: F.lp_pool2d(input, **c)))
    for i, (shape, out) in enumerate([([2, 3, 8, 8], [4, 4]), ([1, 2, 7, 9], [3, 4]), ([1, 2, 5, 5], [1, 1]),
                                      ([1, 1, 4, 6], [6, 5]), ([2, 2, 10, 7], [3, 3])]):
        x = rnd_in(shape)
        cases.append(case('adaptive_avg_pool2d', f'adaptive_avg_pool2d/{i}', {'output_size': out}, {'input': x},
                          lambda input, out=out: F.adaptive_avg_pool2d(input, out)))
        x = rnd_in(shape)
        cases.append(case('adaptive_max_pool2d', f'adaptive_max_pool2d/{i}', {'output_size': out}, {'input': x},
                          lambda input, out=out: F.adaptive_max_pool2d(input, out)))
    # dilation + ceil_mode where the dilated window is longer than the padded input (issue 7):
    # torch still gives one output per axis when the window starts inside the input
    for i, c in enumerate([
        dict(shape=[1, 1, 4, 7], kernel_size=3, stride=3, padding=(0, 1), dilation=(2, 3), ceil_mode=True),
        dict(shape=[2, 2, 3, 5], kernel_size=(3, 2), stride=2, padding=(1, 0), dilation=(2, 4), ceil_mode=True),
        dict(shape=[1, 2, 5, 6], kernel_size=2, stride=(4, 3), padding=1, dilation=(4, 5), ceil_mode=True),
        dict(shape=[1, 1, 6, 6], kernel_size=3, stride=2, padding=1, dilation=3, ceil_mode=True),
    ]):
        x = rnd_in(c.pop('shape'))
        cases.append(case('max_pool2d', f'max_pool2d/dilated-ceil/{i}', c, {'input': x}, lambda input, c=c: F.max_pool2d(input, **c)))
    return cases


# ---------------------------------------------------------------- normalization
def gen_norm():
    torch.manual_seed(3)
    cases = []
    for i, c in enumerate([
        dict(shape=[4, 3], training=True, affine=True, momentum=0.1, eps=1e-5),
        dict(shape=[2, 3, 4, 5], training=True, affine=True, momentum=0.1, eps=1e-5),
        dict(shape=[3, 2, 3, 3], training=True, affine=False, momentum=0.3, eps=1e-3),
        dict(shape=[2, 3, 4, 4], training=False, affine=True, momentum=0.1, eps=1e-5),
        dict(shape=[5, 4], training=False, affine=False, momentum=0.1, eps=1e-5),
    ]):
        shape = c['shape']
        C = shape[1]
        x = rnd_in(shape)
        w = rnd_in([C], 0.5, 1.5) if c['affine'] else None
        b = rnd_in([C], -0.5, 0.5) if c['affine'] else None
        rm0 = rnd_in([C], -0.5, 0.5)
        rv0 = rnd_in([C], 0.5, 2.0)
        store = {}

        def fn(input, weight, bias, running_mean, running_var, c=c, store=store):
            rm, rv = running_mean.clone(), running_var.clone()
            y = F.batch_norm(input, rm, rv, weight, bias, training=c['training'], momentum=c['momentum'], eps=c['eps'])
            store['rm'], store['rv'] = rm, rv
            return y
        kw = dict(training=c['training'], momentum=c['momentum'], eps=c['eps'])
        cases.append(case('batch_norm', f'batch_norm/{i}', kw,
                          {'input': x, 'weight': w, 'bias': b, 'running_mean': rm0, 'running_var': rv0}, fn,
                          extra_fn=lambda store=store: {'running_mean': enc(store['rm']), 'running_var': enc(store['rv'])},
                          grad_wrt={'input', 'weight', 'bias'}))
    for i, (shape, ns, affine, eps) in enumerate([([2, 3, 4], [4], True, 1e-5), ([2, 3, 4, 5], [4, 5], True, 1e-5),
                                                 ([3, 6], [6], False, 1e-3), ([2, 2, 3, 3], [2, 3, 3], True, 1e-5)]):
        x = rnd_in(shape)
        w = rnd_in(ns, 0.5, 1.5) if affine else None
        b = rnd_in(ns, -0.5, 0.5) if affine else None
        cases.append(case('layer_norm', f'layer_norm/{i}', {'normalized_shape': ns, 'eps': eps},
                          {'input': x, 'weight': w, 'bias': b},
                          lambda input, weight, bias, ns=ns, eps=eps: F.layer_norm(input, ns, weight, bias, eps)))
    for i, (shape, kw) in enumerate([([2, 5, 3, 3], dict(size=3, alpha=1e-4, beta=0.75, k=1.0)),
                                     ([1, 6, 4, 4], dict(size=2, alpha=0.5, beta=0.75, k=2.0)),
                                     ([2, 4, 5], dict(size=5, alpha=1.0, beta=0.5, k=1.0)),
                                     ([1, 7, 2, 3], dict(size=4, alpha=0.3, beta=1.2, k=1.5))]):
        x = rnd_in(shape)
        cases.append(case('local_response_norm', f'local_response_norm/{i}', kw, {'input': x},
                          lambda input, kw=kw: F.local_response_norm(input, **kw)))
    return cases


# ---------------------------------------------------------------- losses
def gen_loss():
    torch.manual_seed(4)
    cases = []
    reds = ['mean', 'sum', 'none']
    N, C = 5, 4
    for red in reds:
        # class indices
        x = randn_in([N, C], 1.5)
        t = torch.randint(0, C, [N])
        cases.append(case('cross_entropy', f'cross_entropy/indices-{red}', {'reduction': red}, {'input': x, 'target': t},
                          lambda input, target, red=red: F.cross_entropy(input, target, reduction=red)))
        # weight + ignore_index
        w = rnd_in([C], 0.2, 2.0)
        t = torch.tensor([0, 2, 1, 2, 3])
        cases.append(case('cross_entropy', f'cross_entropy/weight-ignore-{red}', {'reduction': red, 'ignore_index': 2},
                          {'input': x, 'target': t, 'weight': w},
                          lambda input, target, weight, red=red: F.cross_entropy(input, target, weight=weight, ignore_index=2, reduction=red),
                          grad_wrt={'input'}))
        # label smoothing (+ weight)
        t = torch.randint(0, C, [N])
        cases.append(case('cross_entropy', f'cross_entropy/smoothing-{red}', {'reduction': red, 'label_smoothing': 0.1},
                          {'input': x, 'target': t},
                          lambda input, target, red=red: F.cross_entropy(input, target, label_smoothing=0.1, reduction=red)))
        cases.append(case('cross_entropy', f'cross_entropy/smoothing-weight-{red}', {'reduction': red, 'label_smoothing': 0.2},
                          {'input': x, 'target': t, 'weight': w},
                          lambda input, target, weight, red=red: F.cross_entropy(input, target, weight=weight, label_smoothing=0.2, reduction=red),
                          grad_wrt={'input'}))
        # probabilities
        p = torch.softmax(randn_in([N, C]), 1)
        p = (torch.round(p * 1e4) / 1e4).float().double()
        cases.append(case('cross_entropy', f'cross_entropy/probs-{red}', {'reduction': red}, {'input': x, 'target': p},
                          lambda input, target, red=red: F.cross_entropy(input, target, reduction=red), grad_wrt={'input'}))
        cases.append(case('cross_entropy', f'cross_entropy/probs-weight-{red}', {'reduction': red},
                          {'input': x, 'target': p, 'weight': w},
                          lambda input, target, weight, red=red: F.cross_entropy(input, target, weight=weight, reduction=red), grad_wrt={'input'}))
        cases.append(case('cross_entropy', f'cross_entropy/probs-smoothing-{red}', {'reduction': red, 'label_smoothing': 0.15},
                          {'input': x, 'target': p},
                          lambda input, target, red=red: F.cross_entropy(input, target, label_smoothing=0.15, reduction=red), grad_wrt={'input'}))
        # spatial: [N, C, H, W] with [N, H, W] targets
        xs = randn_in([2, 3, 2, 3])
        ts = torch.randint(0, 3, [2, 2, 3])
        cases.append(case('cross_entropy', f'cross_entropy/spatial-{red}', {'reduction': red}, {'input': xs, 'target': ts},
                          lambda input, target, red=red: F.cross_entropy(input, target, reduction=red)))
        # nll_loss
        lp = torch.log_softmax(randn_in([N, C]), 1)
        lp = (torch.round(lp * 1e4) / 1e4).float().double()
        t = torch.tensor([1, 0, 3, 3, 2])
        cases.append(case('nll_loss', f'nll_loss/{red}', {'reduction': red}, {'input': lp, 'target': t},
                          lambda input, target, red=red: F.nll_loss(input, target, reduction=red)))
        cases.append(case('nll_loss', f'nll_loss/weight-ignore-{red}', {'reduction': red, 'ignore_index': 3},
                          {'input': lp, 'target': t, 'weight': w},
                          lambda input, target, weight, red=red: F.nll_loss(input, target, weight=weight, ignore_index=3, reduction=red),
                          grad_wrt={'input'}))
        # binary cross entropy
        pr = rnd_in([N, 3], 0.05, 0.95)
        y = rnd_in([N, 3], 0.0, 1.0)
        bw = rnd_in([N, 3], 0.5, 1.5)
        cases.append(case('binary_cross_entropy', f'binary_cross_entropy/{red}', {'reduction': red}, {'input': pr, 'target': y},
                          lambda input, target, red=red: F.binary_cross_entropy(input, target, reduction=red), grad_wrt={'input'}))
        cases.append(case('binary_cross_entropy', f'binary_cross_entropy/weight-{red}', {'reduction': red},
                          {'input': pr, 'target': y, 'weight': bw},
                          lambda input, target, weight, red=red: F.binary_cross_entropy(input, target, weight=weight, reduction=red),
                          grad_wrt={'input'}))
        lg = randn_in([N, 3], 2.0)
        pw = rnd_in([3], 0.5, 3.0)
        cases.append(case('binary_cross_entropy_with_logits', f'binary_cross_entropy_with_logits/{red}', {'reduction': red},
                          {'input': lg, 'target': y},
                          lambda input, target, red=red: F.binary_cross_entropy_with_logits(input, target, reduction=red), grad_wrt={'input'}))
        cases.append(case('binary_cross_entropy_with_logits', f'binary_cross_entropy_with_logits/pos_weight-{red}', {'reduction': red},
                          {'input': lg, 'target': y, 'weight': bw, 'pos_weight': pw},
                          lambda input, target, weight, pos_weight, red=red: F.binary_cross_entropy_with_logits(
                              input, target, weight=weight, pos_weight=pos_weight, reduction=red), grad_wrt={'input'}))
        a = randn_in([3, 4])
        b = randn_in([3, 4])
        cases.append(case('mse_loss', f'mse_loss/{red}', {'reduction': red}, {'input': a, 'target': b},
                          lambda input, target, red=red: F.mse_loss(input, target, reduction=red)))
        cases.append(case('l1_loss', f'l1_loss/{red}', {'reduction': red}, {'input': a, 'target': b},
                          lambda input, target, red=red: F.l1_loss(input, target, reduction=red)))
        t = torch.randint(0, C, [N])
        cases.append(case('multi_margin_loss', f'multi_margin_loss/{red}', {'reduction': red}, {'input': x, 'target': t},
                          lambda input, target, red=red: F.multi_margin_loss(input, target, reduction=red)))
        cases.append(case('multi_margin_loss', f'multi_margin_loss/p2-margin-weight-{red}', {'reduction': red, 'p': 2, 'margin': 0.7},
                          {'input': x, 'target': t, 'weight': w},
                          lambda input, target, weight, red=red: F.multi_margin_loss(input, target, p=2, margin=0.7, weight=weight, reduction=red),
                          grad_wrt={'input'}))
    return cases


# ---------------------------------------------------------------- activations
def gen_activation():
    torch.manual_seed(5)
    cases = []
    for i, (shape, dim) in enumerate([([3, 5], 1), ([3, 5], 0), ([2, 3, 4], -1), ([2, 3, 2, 2], 1)]):
        x = randn_in(shape, 2.0)
        cases.append(case('softmax', f'softmax/{i}', {'dim': dim}, {'input': x}, lambda input, dim=dim: F.softmax(input, dim)))
        cases.append(case('log_softmax', f'log_softmax/{i}', {'dim': dim}, {'input': x}, lambda input, dim=dim: F.log_softmax(input, dim)))
    x = randn_in([4, 6], 2.0)
    for approx in ['none', 'tanh']:
        cases.append(case('gelu', f'gelu/{approx}', {'approximate': approx}, {'input': x}, lambda input, a=approx: F.gelu(input, approximate=a)))
    for alpha in [1.0, 0.5]:
        cases.append(case('elu', f'elu/alpha{alpha}', {'alpha': alpha}, {'input': x}, lambda input, a=alpha: F.elu(input, alpha=a)))
    for slope in [0.01, 0.2]:
        cases.append(case('leaky_relu', f'leaky_relu/{slope}', {'negative_slope': slope}, {'input': x},
                          lambda input, s=slope: F.leaky_relu(input, negative_slope=s)))
    # silu and selu (issue 8): a wide range, with exact zeros and large negative inputs
    xw = randn_in([5, 8], 4.0)
    xw[0, 0] = 0.0
    xw[0, 1] = -30.0
    xw[0, 2] = 12.5
    cases.append(case('silu', 'silu/wide', {}, {'input': xw}, lambda input: F.silu(input)))
    cases.append(case('selu', 'selu/wide', {}, {'input': xw}, lambda input: F.selu(input)))
    return cases


# ---------------------------------------------------------------- optimizers
def gen_optim():
    torch.manual_seed(6)
    cases = []
    steps = 4
    cfgs = [
        ('SGD', 'sgd', dict(lr=0.1)),
        ('SGD', 'momentum', dict(lr=0.1, momentum=0.9)),
        ('SGD', 'momentum-dampening', dict(lr=0.05, momentum=0.8, dampening=0.3)),
        ('SGD', 'nesterov', dict(lr=0.1, momentum=0.9, nesterov=True)),
        ('SGD', 'weight-decay', dict(lr=0.1, momentum=0.5, weight_decay=0.1)),
        ('Adam', 'adam', dict(lr=0.01)),
        ('Adam', 'adam-wd-amsgrad', dict(lr=0.02, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1, amsgrad=True)),
        ('AdamW', 'adamw', dict(lr=0.01, weight_decay=0.1)),
        ('AdamW', 'adamw-amsgrad', dict(lr=0.05, betas=(0.85, 0.95), weight_decay=0.3, amsgrad=True)),
        ('RMSprop', 'rmsprop', dict(lr=0.01)),
        ('RMSprop', 'rmsprop-centered-momentum', dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.05)),
        ('Adagrad', 'adagrad', dict(lr=0.1)),
        ('Adagrad', 'adagrad-decay', dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2)),
    ]
    for cls, name, kw in cfgs:
        p0 = [randn_in([3, 4]), randn_in([4])]
        grads = [[randn_in(p.shape) for p in p0] for _ in range(steps)]
        params = [p.clone().requires_grad_(True) for p in p0]
        opt = getattr(torch.optim, cls)(params, **kw)
        traj = []
        for s in range(steps):
            for p, g in zip(params, grads[s]):
                p.grad = g.clone()
            opt.step()
            traj.append([enc(p) for p in params])
        kwj = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
        cases.append({'optimizer': cls, 'name': f'optim/{name}', 'kwargs': kwj,
                      'params': [enc_in(p) for p in p0], 'grads': [[enc_in(g) for g in gs] for gs in grads],
                      'trajectory': traj})
    # parameter groups overriding the defaults
    for cls, name, kw, groups in [
        ('SGD', 'sgd-groups', dict(lr=0.1, momentum=0.9), [dict(), dict(lr=0.01, weight_decay=0.5, nesterov=True)]),
        ('Adam', 'adam-groups', dict(lr=0.01), [dict(betas=(0.5, 0.6)), dict(lr=0.1, weight_decay=0.2)]),
    ]:
        p0 = [randn_in([2, 3]), randn_in([3])]
        grads = [[randn_in(p.shape) for p in p0] for _ in range(steps)]
        params = [p.clone().requires_grad_(True) for p in p0]
        opt = getattr(torch.optim, cls)([dict(params=[p], **g) for p, g in zip(params, groups)], **kw)
        traj = []
        for s in range(steps):
            for p, g in zip(params, grads[s]):
                p.grad = g.clone()
            opt.step()
            traj.append([enc(p) for p in params])
        gj = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()} for g in groups]
        cases.append({'optimizer': cls, 'name': f'optim/{name}', 'kwargs': kw, 'groups': gj,
                      'params': [enc_in(p) for p in p0], 'grads': [[enc_in(g) for g in gs] for gs in grads],
                      'trajectory': traj})
    return cases


def gen_schedulers():
    """Learning-rate sequences: lrs[0] after construction, then after each scheduler.step()."""
    S = torch.optim.lr_scheduler
    cases = []

    def run(name, make, epochs, metrics=None, lr=0.1, kwargs=None):
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr)
        sch = make(opt)
        lrs = [opt.param_groups[0]['lr']]
        for e in range(epochs):
            opt.step()
            if metrics is None:
                sch.step()
            else:
                sch.step(metrics[e])
            lrs.append(opt.param_groups[0]['lr'])
        c = {'scheduler': name.split('/')[0], 'name': f'sched/{name}', 'lr': lr, 'kwargs': kwargs or {}, 'lrs': [g7(v) for v in lrs]}
        if metrics is not None:
            c['metrics'] = metrics
        cases.append(c)

    run('StepLR', lambda o: S.StepLR(o, step_size=3, gamma=0.5), 10, kwargs=dict(step_size=3, gamma=0.5))
    run('MultiStepLR', lambda o: S.MultiStepLR(o, milestones=[2, 5, 6], gamma=0.3), 9, kwargs=dict(milestones=[2, 5, 6], gamma=0.3))
    run('ExponentialLR', lambda o: S.ExponentialLR(o, gamma=0.8), 8, kwargs=dict(gamma=0.8))
    run('CosineAnnealingLR', lambda o: S.CosineAnnealingLR(o, T_max=6, eta_min=0.01), 8, kwargs=dict(T_max=6, eta_min=0.01))
    run('LinearWarmup/alone', lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4), 7,
        kwargs=dict(start_factor=0.25, total_iters=4))
    run('LinearWarmup/then-cosine', lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.2, total_iters=3),
                                                                  S.CosineAnnealingLR(o, T_max=5)], milestones=[3]), 9,
        kwargs=dict(start_factor=0.2, total_iters=3, after='CosineAnnealingLR', T_max=5))
    m = [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.9, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.92]
    run('ReduceLROnPlateau/min', lambda o: S.ReduceLROnPlateau(o, mode='min', factor=0.5, patience=1, threshold=0.02, cooldown=1, min_lr=0.02),
        len(m), metrics=m, kwargs=dict(mode='min', factor=0.5, patience=1, threshold=0.02, cooldown=1, min_lr=0.02))
    run('ReduceLROnPlateau/max-abs', lambda o: S.ReduceLROnPlateau(o, mode='max', factor=0.3, patience=2, threshold=0.05, threshold_mode='abs'),
        len(m), metrics=m, kwargs=dict(mode='max', factor=0.3, patience=2, threshold=0.05, threshold_mode='abs'))
    return cases


def main():
    warnings.filterwarnings('ignore', message='Using padding=.same.')
    warnings.filterwarnings('ignore', message='The epoch parameter')
    torch.set_default_dtype(torch.float64)
    os.makedirs(OUT_DIR, exist_ok=True)
    families = {'conv': gen_conv, 'pool': gen_pool, 'norm': gen_norm, 'loss': gen_loss,
                'activation': gen_activation, 'optim': gen_optim, 'scheduler': gen_schedulers}
    total = 0
    only = sys.argv[1:]  # optional family names: regenerate just those files
    for fam, gen in families.items():
        if only and fam not in only:
            continue
        doc = {'generator': 'scripts/gen-torch-fixtures.py', 'torch': torch.__version__.split('+')[0], 'family': fam, 'cases': gen()}
        text = json.dumps(doc, separators=(',', ':')) + '\n'
        path = os.path.join(OUT_DIR, f'{fam}.json')
        with open(path, 'w') as f:
            f.write(text)
        total += len(text)
        print(f'{path}: {len(doc["cases"])} cases, {len(text)} bytes')
    print(f'total {total} bytes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
