#!/usr/bin/python3
"""Writes test/fixtures/finetune/lenet5_torch.pth: a PyTorch state dict of convkit's lenet5
architecture (nn.Sequential, the same layer indices), saved with torch.save, for the
`convkit finetune --from *.pth` test. Run: /usr/bin/python3 scripts/gen-finetune-fixtures.py"""
import os
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
    nn.Linear(120, 84), nn.ReLU(),
    nn.Linear(84, 10),
)
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'finetune', 'lenet5_torch.pth')
torch.save(net.state_dict(), out)
print('wrote', out, sorted(net.state_dict().keys()))
