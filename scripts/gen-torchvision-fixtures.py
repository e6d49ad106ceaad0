#!/usr/bin/python3
"""PyTorch/torchvision parity fixtures for convkit's model zoo (issue #9: PyTorch's names are the contract).

Two modes (Debian's python3-torch 1.13 / python3-torchvision 0.14 at /usr/bin/python3; no
safetensors package is needed: the format is written by hand below):

    /usr/bin/python3 scripts/gen-torchvision-fixtures.py
        Writes the committed fixtures of the small zoo models to test/fixtures/torchvision/:
        <name>.safetensors (a PyTorch state dict: the model's own names, float32 weights,
        int64 num_batches_tracked) and <name>.io.safetensors ("input" and "logits", float32),
        read by test/models/torchvision-fixtures.test.ts. The PyTorch modules are the natural
        ports of convkit's small models (lenet5, mlp, logistic, resnet20 and a depth-8
        projection-shortcut CIFAR ResNet, autoencoder, a small U-Net with batch norm), written
        below; their state-dict keys are what convkit's models must use. Also writes
        torchvision-keys.json: the state-dict keys and shapes (no weights) of torchvision's
        alexnet, vgg11, vgg16, googlenet (with and without aux_logits), resnet18/34/50, read by
        test/models/torchvision-names.test.ts; and layer-keys.json: the parameter and buffer
        names, shapes and dtypes of torch.nn layers (Conv, ConvTranspose, Linear, BatchNorm,
        LayerNorm), read by test/nn/modules/torch-names.test.ts.

    /usr/bin/python3 scripts/gen-torchvision-fixtures.py large OUT_DIR MODEL [SIZE]
        For the slow parity test (test/io/torchvision-parity.slow.test.ts): builds the
        torchvision model MODEL (alexnet, vgg11, vgg16, googlenet, resnet18, resnet34,
        resnet50, or keras-fashion, the lecture CNN too big to commit) with seeded random
        weights and non-trivial BatchNorm running statistics, in eval mode, and writes to
        OUT_DIR: MODEL.safetensors and MODEL.pth (the same state dict, torch.save's zip
        format) and MODEL.io.safetensors (a 2 x 3 x SIZE x SIZE input, default 64, and the
        logits). googlenet is built with aux_logits=True and transform_input=False.

Every model runs in eval mode on float64 copies of the float32 weights and inputs, so the
expected logits carry no float32 rounding of their own; they are then stored as float32.
BatchNorm layers get random weight/bias, running_mean ~ N(0, 0.1^2), running_var ~ U(0.5, 1.5)
and a random num_batches_tracked, so a loader that drops or swaps the buffers is caught.
"""
import json
import os
import struct
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'torchvision')

ST_DTYPES = {torch.float32: 'F32', torch.int64: 'I64', torch.int32: 'I32'}


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} as safetensors: u64 header length, JSON header (padded with spaces to 8), raw data."""
    header = {}
    if metadata:
        header['__metadata__'] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype not in ST_DTYPES:
            raise TypeError(f'{name}: dtype {t.dtype} not written')
        data = t.numpy().astype(t.numpy().dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': ST_DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    js = json.dumps(header, separators=(',', ':')).encode('utf-8')
    js += b' ' * ((8 - len(js) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def randomize_batchnorm(model, gen):
    """Random affine parameters and running statistics for every BatchNorm (seeded by gen)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                c = m.num_features
                if m.weight is not None:
                    m.weight.copy_(1 + 0.2 * torch.randn(c, generator=gen))
                    m.bias.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))
                m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=gen)))


def logits_of(model, x):
    """Eval-mode output computed in float64 on the float32 values, returned as float32."""
    ref = model.double().eval()
    with torch.no_grad():
        y = ref(x.double())
    model.float()
    return y.float()


def save_case(out_dir, name, model, x, pth=False):
    sd = model.state_dict()
    write_safetensors(os.path.join(out_dir, f'{name}.safetensors'), dict(sd))
    if pth:
        torch.save(sd, os.path.join(out_dir, f'{name}.pth'))
    y = logits_of(model, x)
    write_safetensors(os.path.join(out_dir, f'{name}.io.safetensors'), {'input': x, 'logits': y})
    return len(sd), tuple(y.shape)


# ---- natural PyTorch ports of convkit's small models (their state-dict keys are the contract) ----


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def keras_fashion():
    def conv(i, o, k=3):
        return nn.Conv2d(i, o, k, padding='same')
    return nn.Sequential(
        conv(1, 64, 7), nn.ReLU(), nn.MaxPool2d(2),
        conv(64, 128), nn.ReLU(), conv(128, 128), nn.ReLU(), nn.MaxPool2d(2),
        conv(128, 256), nn.ReLU(), conv(256, 256), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(2304, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))


def mlp(hidden=(64, 32)):
    layers = [nn.Flatten()]
    width = 784
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def logistic():
    return nn.Sequential(nn.Flatten(), nn.Linear(30, 1))


class PadShortcut(nn.Module):
    """Option A shortcut of He et al.'s CIFAR ResNet: subsample, zero-pad channels (no parameters)."""

    def __init__(self, in_c, out_c, stride):
        super().__init__()
        self.p = (out_c - in_c) // 2
        self.stride = stride

    def forward(self, x):
        return F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.p, self.p))


def resnet_cifar(depth=20, shortcut='A', num_classes=10):
    """torchvision's BasicBlock and names (conv1, bn1, layerN.M.conv1, ..., downsample, fc), 3x3 stem."""
    from torchvision.models.resnet import BasicBlock

    class ResNetCifar(nn.Module):
        def __init__(self):
            super().__init__()
            n = (depth - 2) // 6
            self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            self.relu = nn.ReLU(inplace=True)
            c = 16
            for i, w in enumerate([16, 32, 64]):
                blocks = []
                for b in range(n):
                    stride = 2 if b == 0 and i > 0 else 1
                    down = None
                    if stride != 1 or c != w:
                        down = PadShortcut(c, w, stride) if shortcut == 'A' else nn.Sequential(
                            nn.Conv2d(c, w, 1, stride=stride, bias=False), nn.BatchNorm2d(w))
                    blocks.append(BasicBlock(c, w, stride, down))
                    c = w
                setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(64, num_classes)

        def forward(self, x):
            x = self.relu(self.bn1(self.conv1(x)))
            x = self.layer3(self.layer2(self.layer1(x)))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNetCifar()


class Autoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 32))
        self.decoder = nn.Sequential(
            nn.Linear(32, 32 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (32, 7, 7)),
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def double_conv(i, o, bn):
    layers = []
    for c in (i, o):
        layers.append(nn.Conv2d(c, o, 3, padding=1, bias=not bn))
        if bn:
            layers.append(nn.BatchNorm2d(o))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class UNetUp(nn.Module):
    def __init__(self, i, o, bn):
        super().__init__()
        self.up = nn.ConvTranspose2d(i, i // 2, 2, stride=2)
        self.conv = double_conv(i, o, bn)

    def forward(self, x, skip):
        return self.conv(torch.cat([skip, self.up(x)], 1))


class UNet(nn.Module):
    def __init__(self, in_c=1, out_c=2, base=4, depth=2, bn=True):
        super().__init__()
        self.inc = double_conv(in_c, base, bn)
        self.downs = nn.ModuleList(
            nn.Sequential(nn.MaxPool2d(2), double_conv(base * 2 ** i, base * 2 ** (i + 1), bn)) for i in range(depth))
        self.ups = nn.ModuleList(UNetUp(base * 2 ** i, base * 2 ** (i - 1), bn) for i in range(depth, 0, -1))
        self.outc = nn.Conv2d(base, out_c, 1)

    def forward(self, x):
        skips = []
        h = self.inc(x)
        for d in self.downs:
            skips.append(h)
            h = d(h)
        for u in self.ups:
            h = u(h, skips.pop())
        return self.outc(h)


# name -> (builder, input shape); the convkit side of each is in test/models/torchvision-fixtures.test.ts
SMALL = {
    'lenet5': (lenet5, (2, 1, 28, 28)),
    'mlp': (mlp, (2, 1, 28, 28)),
    'logistic': (logistic, (3, 30)),
    'resnet20': (lambda: resnet_cifar(20, 'A'), (2, 3, 32, 32)),
    'resnet8-projection': (lambda: resnet_cifar(8, 'B', 4), (2, 3, 16, 16)),
    'autoencoder': (Autoencoder, (2, 1, 28, 28)),
    'unet-bn': (UNet, (2, 1, 16, 16)),
}


def seeded_model(builder, seed):
    torch.manual_seed(seed)
    model = builder()
    gen = torch.Generator().manual_seed(seed + 1)
    randomize_batchnorm(model, gen)
    return model.eval()


TORCHVISION_KEYS = ['alexnet', 'vgg11', 'vgg16', 'googlenet', 'googlenet-aux', 'resnet18', 'resnet34', 'resnet50']


def torchvision_keys():
    """Every torchvision model's state-dict keys and shapes, in order (no weights are kept)."""
    import torchvision
    out = {}
    for name in TORCHVISION_KEYS:
        if name.startswith('googlenet'):
            m = torchvision.models.googlenet(weights=None, aux_logits=name.endswith('aux'), init_weights=False)
        else:
            m = getattr(torchvision.models, name)(weights=None)
        out[name] = [[k, list(t.shape)] for k, t in m.state_dict().items()]
    return out


# torch.nn layers whose parameters and buffers convkit's nn layers must name and shape alike
# (the convkit side of each is in test/nn/modules/torch-names.test.ts)
LAYERS = {
    'Conv1d(3, 4, 3)': lambda: nn.Conv1d(3, 4, 3),
    'Conv2d(4, 6, [3, 2], groups 2)': lambda: nn.Conv2d(4, 6, (3, 2), groups=2),
    'Conv2d(3, 4, 3, no bias)': lambda: nn.Conv2d(3, 4, 3, bias=False),
    'ConvTranspose1d(4, 6, 3, groups 2)': lambda: nn.ConvTranspose1d(4, 6, 3, groups=2),
    'ConvTranspose2d(4, 6, [3, 2], groups 2)': lambda: nn.ConvTranspose2d(4, 6, (3, 2), groups=2),
    'Linear(5, 3)': lambda: nn.Linear(5, 3),
    'BatchNorm1d(4)': lambda: nn.BatchNorm1d(4),
    'BatchNorm2d(4)': lambda: nn.BatchNorm2d(4),
    'BatchNorm2d(4, affine false)': lambda: nn.BatchNorm2d(4, affine=False),
    'BatchNorm2d(4, no running stats)': lambda: nn.BatchNorm2d(4, track_running_stats=False),
    'LayerNorm([4, 5])': lambda: nn.LayerNorm([4, 5]),
    'LayerNorm(4, no affine)': lambda: nn.LayerNorm(4, elementwise_affine=False),
}


def layer_keys():
    return {n: [[k, list(t.shape), str(t.dtype).replace('torch.', '')] for k, t in f().state_dict().items()]
            for n, f in LAYERS.items()}


def small_fixtures():
    os.makedirs(OUT_DIR, exist_ok=True)
    for i, (name, (builder, shape)) in enumerate(SMALL.items()):
        model = seeded_model(builder, 100 + i)
        x = torch.randn(shape, generator=torch.Generator().manual_seed(200 + i))
        n, out = save_case(OUT_DIR, name, model, x)
        print(f'{name}: {n} keys, logits {out}')
    keys = torchvision_keys()
    with open(os.path.join(OUT_DIR, 'torchvision-keys.json'), 'w') as f:
        f.write('{\n')
        f.write(',\n'.join(f' {json.dumps(n)}: {json.dumps(v, separators=(",", ":"))}' for n, v in keys.items()))
        f.write('\n}\n')
    print('torchvision-keys.json:', ', '.join(f'{n} {len(v)}' for n, v in keys.items()))
    with open(os.path.join(OUT_DIR, 'layer-keys.json'), 'w') as f:
        f.write(json.dumps(layer_keys(), indent=1) + '\n')
    print('layer-keys.json:', len(LAYERS), 'layers')


def torchvision_model(name):
    import torchvision
    if name == 'googlenet':
        return torchvision.models.googlenet(weights=None, aux_logits=True, transform_input=False, init_weights=True)
    if name == 'googlenet-transform-input':
        return torchvision.models.googlenet(weights=None, aux_logits=False, transform_input=True, init_weights=True)
    if name == 'keras-fashion':
        return keras_fashion()
    return getattr(torchvision.models, name)(weights=None)


def large_case(out_dir, name, size):
    model = seeded_model(lambda: torchvision_model(name), 7)
    channels, side = (1, 28) if name == 'keras-fashion' else (3, size)
    x = torch.randn((2, channels, side, side), generator=torch.Generator().manual_seed(8))
    n, out = save_case(out_dir, name, model, x, pth=True)
    print(json.dumps({'model': name, 'keys': n, 'logits': list(out)}))


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == 'large':
        if len(sys.argv) not in (4, 5):
            sys.exit('usage: gen-torchvision-fixtures.py large OUT_DIR MODEL [SIZE]')
        large_case(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 64)
    elif len(sys.argv) == 1:
        small_fixtures()
    else:
        sys.exit('usage: gen-torchvision-fixtures.py [large OUT_DIR MODEL [SIZE]]')
