#!/usr/bin/python3
"""PyTorch fixtures for convkit's temporal CNN (models.tcn1d), read by test/models/zoo-tcn.test.ts.

    /usr/bin/python3 scripts/gen-tcn-fixtures.py

Writes test/fixtures/tcn/tcn1d.safetensors (the PyTorch port's state dict: convkit's names) and
tcn1d.io.safetensors ("input" (2, 2, 40) and "logits" (2, 4), float32; "features" (2, 6, 40),
the last block's output). The port below is Bai, Kolter & Koltun's TemporalBlock
(github.com/locuslab/TCN) without weight normalisation, with the causal padding done by F.pad on
the left instead of symmetric padding + Chomp1d (the same numbers, see the test), and a mean over
time + Linear head: 2 input channels, 6 channels, 3 levels (dilation 1, 2, 4), kernel 3,
4 classes. The logits are computed in float64 on the float32 weights and stored as float32.
"""
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'tcn')


def write_safetensors(path, tensors):
    """Writes {name: float32 tensor} as safetensors: u64 header length, JSON header (padded to 8), raw data."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().float()
        data = t.numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    js = json.dumps(header, separators=(',', ':')).encode('utf-8')
    js += b' ' * ((8 - len(js) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


class CausalConv1d(nn.Conv1d):
    """Conv1d with (k-1)*dilation zeros padded on the left only: output t sees inputs <= t."""

    def __init__(self, i, o, k, d):
        super().__init__(i, o, k, dilation=d)
        self.left = (k - 1) * d

    def forward(self, x):
        return super().forward(F.pad(x, (self.left, 0)))


class TemporalBlock(nn.Module):
    def __init__(self, i, o, k, d, p):
        super().__init__()
        self.net = nn.Sequential(CausalConv1d(i, o, k, d), nn.ReLU(), nn.Dropout(p),
                                 CausalConv1d(o, o, k, d), nn.ReLU(), nn.Dropout(p))
        self.downsample = nn.Conv1d(i, o, 1) if i != o else None
        self.relu = nn.ReLU()

    def forward(self, x):
        res = x if self.downsample is None else self.downsample(x)
        return self.relu(self.net(x) + res)


class TCN(nn.Module):
    def __init__(self, in_c, channels, levels, k, classes, p=0.05):
        super().__init__()
        self.blocks = nn.ModuleList(TemporalBlock(in_c if i == 0 else channels, channels, k, 2 ** i, p)
                                    for i in range(levels))
        self.fc = nn.Linear(channels, classes)

    def features(self, x):
        for b in self.blocks:
            x = b(x)
        return x

    def forward(self, x):
        return self.fc(self.features(x).mean(2))


def main():
    torch.manual_seed(0)
    model = TCN(2, 6, 3, 3, 4)
    x = torch.randn(2, 2, 40)
    os.makedirs(OUT_DIR, exist_ok=True)
    write_safetensors(os.path.join(OUT_DIR, 'tcn1d.safetensors'), model.state_dict())
    ref = model.double().eval()
    with torch.no_grad():
        logits = ref(x.double())
        features = ref.features(x.double())
    write_safetensors(os.path.join(OUT_DIR, 'tcn1d.io.safetensors'),
                      {'input': x, 'logits': logits, 'features': features})
    print('wrote', OUT_DIR, list(model.state_dict().keys()))


if __name__ == '__main__':
    main()
