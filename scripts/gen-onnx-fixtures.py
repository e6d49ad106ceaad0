"""Generates the ONNX import fixtures (test/fixtures/onnx/) with Debian's python3-torch:
    /usr/bin/python3 scripts/gen-onnx-fixtures.py
torch.onnx.export (no `onnx` python package needed) writes each model at several opsets; a
safetensors file beside it (written by hand below) holds a fixed input `x` and PyTorch's output
`y` for it, the reference that test/io/onnx-import.test.ts compares convkit's import with (1e-4).

Models (random weights, seeded; small, so the committed files stay well under 2 MB):
  lenet5      LeNet-5 with x.view(x.size(0), -1), which the exporter writes as
              Shape/Gather/Unsqueeze/Concat/Reshape (opsets 11, 13, 17)
  resnet      a small CIFAR-style ResNet (BasicBlocks with downsample shortcuts); exported with
              training=PRESERVE so BatchNormalization nodes and the state-dict names survive
              (conv1.weight, layer1.0.bn1.running_mean, ...) (opsets 11, 13)
  ops         a mix of the remaining CNN ops: ConvTranspose, 1-D conv with groups and dilation,
              padding, LeakyReLU, sigmoid, tanh, clip (hardtanh), average pooling with
              ceil_mode / count_include_pad, concat, transpose, matmul, softmax and log-softmax
              on inner axes, Gemm (opsets 11, 13, 17). (PyTorch writes LocalResponseNorm as a
              composite with an If subgraph, not as ONNX LRN: the LRN op is tested on hand-built
              graphs in the TypeScript test instead.)
  resize      F.interpolate, nearest and bilinear (align_corners false and true), by scale
              factor and by size: Resize (opsets 11, 13)
With `--torchvision DIR` it instead writes torchvision models (random weights, not committed:
test/io/onnx-import-torchvision.slow.test.ts runs it into a temporary directory): resnet18
exported with training=PRESERVE (BatchNormalization kept, so the initializers carry torchvision's
state-dict names, listed in resnet18.keys.json; resnet18.other.pth holds other weights, as
torch.save writes them, and resnet18.other.io.safetensors their output) and googlenet, squeezenet1_0, mobilenet_v2,
shufflenet_v2_x0_5 (Split) and efficientnet_b0 (SiLU, squeeze-excitation) exported as usual (BatchNorm folded into the convolutions), each with DIR/<name>.onnx and
DIR/<name>.io.safetensors.

The benchmark models bench/models/lenet5.onnx and keras-fashion.onnx (written by
bench/models/export-onnx.py) are rebuilt here with the same seed and call order, checked
byte-for-byte against the committed files' weights, and their outputs written to
bench-<name>.io.safetensors."""
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, 'test', 'fixtures', 'onnx')
sys.path.insert(0, os.path.join(ROOT, 'bench', 'workers'))
from torch_worker_models import lenet5 as bench_lenet5, keras_fashion  # noqa: E402


def write_safetensors(path, tensors):
    """safetensors by hand: u64 LE header length, JSON header (padded to 8), little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().to(torch.float32)
        b = t.numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        idt = x if self.downsample is None else self.downsample(x)
        return F.relu(out + idt)


class SmallResNet(nn.Module):
    def __init__(self, widths=(8, 16, 32), classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.layer1 = nn.Sequential(BasicBlock(widths[0], widths[0], 1), BasicBlock(widths[0], widths[0], 1))
        self.layer2 = nn.Sequential(BasicBlock(widths[0], widths[1], 2))
        self.layer3 = nn.Sequential(BasicBlock(widths[1], widths[2], 2))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[2], classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class OpsMix(nn.Module):
    """Input (N, 4, 12, 12); touches the ops the two CNNs above do not."""

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1)
        self.dw = nn.Conv2d(6, 6, 3, padding=2, dilation=2, groups=3)
        self.seq = nn.Conv1d(6, 8, 3, stride=2, padding=1, groups=2)
        self.proj = nn.Parameter(torch.randn(8, 5) * 0.3)
        self.head = nn.Linear(4 * 5 + 4, 7)

    def forward(self, x):
        y = self.up(x)                                      # ConvTranspose (N, 6, 24, 24)
        y = F.leaky_relu(self.dw(y), 0.2)                   # grouped dilated Conv, LeakyRelu
        y = F.avg_pool2d(y, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        y = F.pad(y, (1, 0, 0, 2), value=0.5)               # Pad (constant, asymmetric)
        y = F.hardtanh(y, -0.8, 0.9)                        # Clip
        y = torch.sigmoid(y) * torch.tanh(y) - y / 3.0      # Sigmoid, Tanh, Mul, Sub, Div
        z = y.mean(dim=2)                                   # ReduceMean -> (N, 6, L)
        z = self.seq(z)                                     # Conv1d (N, 8, L')
        z = F.avg_pool1d(z, 2, ceil_mode=True)              # AveragePool 1-D
        z = z.transpose(1, 2)                               # Transpose (N, L'', 8)
        z = torch.matmul(z, self.proj)                      # MatMul (N, L'', 5)
        z = F.softmax(z, dim=1)                             # Softmax on an inner axis
        g = F.max_pool2d(x, 2, stride=2, ceil_mode=True)    # MaxPool, ceil mode
        g = F.adaptive_avg_pool2d(g, 1).flatten(1)          # GlobalAveragePool, Flatten
        h = torch.cat([z.flatten(1), g], dim=1)             # Concat
        return F.log_softmax(self.head(h), dim=1)           # Gemm, LogSoftmax


class Interpolate(nn.Module):
    """F.interpolate as the exporter writes it (Resize): nearest and bilinear, scale factors and sizes."""

    def forward(self, x):
        a = F.interpolate(x, scale_factor=2, mode='nearest')
        b = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
        c = F.interpolate(x, size=(7, 9), mode='bilinear', align_corners=True)
        d = F.interpolate(x, size=(5, 11), mode='nearest')
        e = F.interpolate(x, scale_factor=(1.5, 0.5), mode='bilinear', align_corners=False)
        return torch.cat([a.flatten(1), b.flatten(1), c.flatten(1), d.flatten(1), e.flatten(1)], 1)


def export(model, x, name, opsets, preserve=False):
    model.eval()
    with torch.no_grad():
        y = model(x)
    for opset in opsets:
        path = os.path.join(OUT, f'{name}-opset{opset}.onnx')
        kwargs = dict(input_names=['x'], output_names=['y'], dynamic_axes={'x': {0: 'n'}, 'y': {0: 'n'}},
                      opset_version=opset)
        if preserve:
            kwargs['training'] = torch.onnx.TrainingMode.PRESERVE
            kwargs['do_constant_folding'] = False
        torch.onnx.export(model, x, path, **kwargs)
        print('wrote', os.path.relpath(path, ROOT), os.path.getsize(path), 'bytes')
    write_safetensors(os.path.join(OUT, f'{name}.io.safetensors'), {'x': x, 'y': y})


def bench_outputs():
    """Rebuilds the benchmark models as bench/models/export-onnx.py does and records their outputs."""
    torch.manual_seed(0)
    models = {}
    for name, make in [('lenet5', bench_lenet5), ('keras-fashion', keras_fashion)]:
        models[name] = make().eval()
        torch.randn(1, 1, 28, 28)  # export-onnx.py draws its example input here
    for name, model in models.items():
        onnx_bytes = open(os.path.join(ROOT, 'bench', 'models', f'{name}.onnx'), 'rb').read()
        for key, p in model.state_dict().items():
            if p.numpy().astype('<f4').tobytes() not in onnx_bytes:
                sys.exit(f'bench/models/{name}.onnx does not hold {key} as rebuilt here: regenerate it with '
                         'bench/models/export-onnx.py or update this script')
        g = torch.Generator().manual_seed(7)
        x = torch.rand(3, 1, 28, 28, generator=g)
        with torch.no_grad():
            y = model(x)
        write_safetensors(os.path.join(OUT, f'bench-{name}.io.safetensors'), {'x': x, 'y': y})
        print('wrote', f'bench-{name}.io.safetensors (weights checked against bench/models/{name}.onnx)')


def torchvision_models(out):
    import torchvision
    os.makedirs(out, exist_ok=True)
    specs = [('resnet18', {}, True), ('googlenet', {'aux_logits': False, 'init_weights': True}, False),
             ('squeezenet1_0', {}, False), ('mobilenet_v2', {}, False), ('shufflenet_v2_x0_5', {}, False),
             ('efficientnet_b0', {}, False)]
    for i, (name, kwargs, preserve) in enumerate(specs):
        torch.manual_seed(10 + i)
        model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
        # distinct BatchNorm values: the exporter merges initializers with equal contents (fresh
        # BatchNorm weights are all ones), which would also merge their names
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
        x = torch.randn(2, 3, 96, 96)
        with torch.no_grad():
            y = model(x)
        kw = dict(input_names=['x'], output_names=['y'], dynamic_axes={'x': {0: 'n'}, 'y': {0: 'n'}}, opset_version=13)
        if preserve:
            kw['training'] = torch.onnx.TrainingMode.PRESERVE
            kw['do_constant_folding'] = False
            with open(os.path.join(out, f'{name}.keys.json'), 'w') as f:
                json.dump(list(model.state_dict()), f)
            # a second set of weights as torch.save writes it, with its output, for a strict load
            other = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
            for m in other.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 1.5)
                    m.num_batches_tracked.fill_(7)
            torch.save(other.state_dict(), os.path.join(out, f'{name}.other.pth'))
            with torch.no_grad():
                write_safetensors(os.path.join(out, f'{name}.other.io.safetensors'), {'x': x, 'y': other(x)})
        torch.onnx.export(model, x, os.path.join(out, f'{name}.onnx'), **kw)
        write_safetensors(os.path.join(out, f'{name}.io.safetensors'), {'x': x, 'y': y})
        print('wrote', name, flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--torchvision':
        return torchvision_models(sys.argv[2])
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1)
    export(LeNet5(), torch.randn(2, 1, 28, 28), 'lenet5', [11, 13, 17])
    torch.manual_seed(2)
    net = SmallResNet()
    # non-trivial running statistics, so that inference-mode BatchNorm is really checked
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    export(net, torch.randn(2, 3, 16, 16), 'resnet', [11, 13], preserve=True)
    torch.manual_seed(3)
    export(OpsMix(), torch.randn(2, 4, 12, 12), 'ops', [11, 13, 17])
    torch.manual_seed(4)
    export(Interpolate(), torch.randn(2, 3, 4, 6), 'resize', [11, 13])
    bench_outputs()


if __name__ == '__main__':
    main()
