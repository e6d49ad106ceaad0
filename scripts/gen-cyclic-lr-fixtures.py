#!/usr/bin/python3
"""PyTorch golden sequences for convkit's OneCycleLR and CyclicLR (src/optim/cyclic-lr.ts).

Regenerate (deterministic; needs Debian's PyTorch 1.13 at /usr/bin/python3, apt python3-torch):

    /usr/bin/python3 scripts/gen-cyclic-lr-fixtures.py

It writes test/fixtures/torch/cyclic-lr.json, read by test/optim/cyclic-lr.test.ts:

    {"generator": ..., "torch": "1.13.1", "cases": [ {
        "name": "onecycle/cos-sgd",
        "scheduler": "OneCycleLR" | "CyclicLR",
        "optimizer": "SGD" | "Adam",
        "groups": [{"lr": .., "momentum": ..} | {"lr": .., "betas": [..]}, ...],  # before the scheduler
        "kwargs": {...},               # torch keyword arguments, torch spelling
        "steps": N,                    # scheduler.step() calls after construction
        "lrs": [[per group] * (N+1)],  # after construction, then after each step
        "momentums": [[per group] * (N+1)] | null,   # SGD momentum or Adam beta1, likewise
        "raisesAfter": true | false    # one more step() raises (OneCycleLR past total_steps)
    }, ...]}

Values are written with 12 significant digits (the arithmetic is float64 on both sides).
"""
import json
import os
import warnings

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'torch', 'cyclic-lr.json')
S = torch.optim.lr_scheduler


def g12(v):
    return float(f'{v:.12g}')


def momentum_of(group):
    return group['betas'][0] if 'betas' in group else group['momentum']


def run(name, scheduler, optimizer, groups, kwargs, steps):
    params = [torch.zeros(1, requires_grad=True) for _ in groups]
    torch_groups = [dict(g, params=[p]) for g, p in zip(groups, params)]
    opt = torch.optim.SGD(torch_groups, lr=groups[0]['lr']) if optimizer == 'SGD' else torch.optim.Adam(torch_groups)
    sch = getattr(S, scheduler)(opt, **kwargs)
    cycle = kwargs.get('cycle_momentum', True)
    lrs = [[g['lr'] for g in opt.param_groups]]
    moms = [[momentum_of(g) for g in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        sch.step()
        lrs.append([g['lr'] for g in opt.param_groups])
        moms.append([momentum_of(g) for g in opt.param_groups])
    raises = False
    try:
        sch.step()
    except ValueError:
        raises = True
    return {
        'name': name, 'scheduler': scheduler, 'optimizer': optimizer, 'groups': groups, 'kwargs': kwargs,
        'steps': steps, 'lrs': [[g12(v) for v in row] for row in lrs],
        'momentums': [[g12(v) for v in row] for row in moms] if cycle else None, 'raisesAfter': raises,
    }


def main():
    warnings.filterwarnings('ignore')
    sgd = [{'lr': 0.1, 'momentum': 0.9}]
    sgd2 = [{'lr': 0.1, 'momentum': 0.9}, {'lr': 0.01, 'momentum': 0.5}]
    adam = [{'lr': 1e-3, 'betas': [0.9, 0.999]}]
    cases = [
        run('onecycle/cos-sgd', 'OneCycleLR', 'SGD', sgd, dict(max_lr=0.5, total_steps=20), 20),
        run('onecycle/linear-sgd', 'OneCycleLR', 'SGD', sgd,
            dict(max_lr=1.0, total_steps=17, pct_start=0.25, anneal_strategy='linear'), 17),
        run('onecycle/three-phase', 'OneCycleLR', 'SGD', sgd,
            dict(max_lr=0.3, total_steps=25, three_phase=True, div_factor=10.0, final_div_factor=100.0), 25),
        run('onecycle/epochs-groups', 'OneCycleLR', 'SGD', sgd2,
            dict(max_lr=[0.4, 0.04], epochs=3, steps_per_epoch=5, base_momentum=[0.8, 0.7], max_momentum=[0.9, 0.95]), 15),
        run('onecycle/adam-beta1', 'OneCycleLR', 'Adam', adam, dict(max_lr=0.01, total_steps=12, pct_start=0.4), 12),
        run('onecycle/no-momentum', 'OneCycleLR', 'SGD', sgd, dict(max_lr=0.2, total_steps=10, cycle_momentum=False), 10),
        run('cyclic/triangular', 'CyclicLR', 'SGD', sgd, dict(base_lr=0.01, max_lr=0.1, step_size_up=4), 20),
        run('cyclic/triangular2-asym', 'CyclicLR', 'SGD', sgd,
            dict(base_lr=0.001, max_lr=0.05, step_size_up=3, step_size_down=5, mode='triangular2'), 30),
        run('cyclic/exp-range-groups', 'CyclicLR', 'SGD', sgd2,
            dict(base_lr=[0.01, 0.001], max_lr=[0.1, 0.02], step_size_up=5, mode='exp_range', gamma=0.95,
                 base_momentum=[0.8, 0.6], max_momentum=[0.9, 0.7]), 25),
        run('cyclic/adam-no-momentum', 'CyclicLR', 'Adam', adam,
            dict(base_lr=1e-4, max_lr=1e-3, step_size_up=3, cycle_momentum=False), 12),
    ]
    doc = {'generator': 'scripts/gen-cyclic-lr-fixtures.py', 'torch': torch.__version__.split('+')[0], 'cases': cases}
    with open(OUT, 'w') as f:
        f.write(json.dumps(doc, separators=(',', ':')) + '\n')
    print(f'{OUT}: {len(cases)} cases')


if __name__ == '__main__':
    main()
