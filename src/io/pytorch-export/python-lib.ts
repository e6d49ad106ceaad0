/**
 * The python text that `exportPytorch` puts into a generated model.py: a safetensors reader and
 * writer in plain python (json + struct + torch.frombuffer; Debian has no `safetensors` package),
 * the `load` / `save` helpers, and one small torch class per convkit module that torch.nn lacks
 * (each emitted only when the model uses it). Kept apart from the TypeScript so it reads as python.
 */

/** Imports and the safetensors reader/writer (always emitted). */
export const PY_PRELUDE = `import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

_DTYPES = {
    'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,
    'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8,
    'U8': torch.uint8, 'BOOL': torch.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}
_MAX_HEADER = 100_000_000


def load_safetensors(path):
    """Reads a safetensors file: ({name: tensor}, {metadata}); every header field is checked."""
    with open(path, 'rb') as f:
        buf = bytearray(f.read())
    if len(buf) < 8:
        raise ValueError(f'{path}: {len(buf)} bytes, too short for a safetensors header')
    (n,) = struct.unpack('<Q', bytes(buf[:8]))
    if n > _MAX_HEADER or 8 + n > len(buf):
        raise ValueError(f'{path}: header length {n} does not fit the {len(buf)}-byte file (truncated?)')
    header = json.loads(bytes(buf[8:8 + n]).decode('utf-8'))
    if not isinstance(header, dict):
        raise ValueError(f'{path}: the header is not a JSON object')
    metadata = header.pop('__metadata__', None) or {}
    base, size = 8 + n, len(buf) - 8 - n
    tensors = {}
    for name, info in header.items():
        dtype = _DTYPES.get(info.get('dtype')) if isinstance(info, dict) else None
        if dtype is None:
            raise ValueError(f'{path}: tensor {name!r} has an unsupported dtype {info!r}')
        shape = info.get('shape')
        begin, end = info.get('data_offsets', (None, None))
        if (not isinstance(shape, list) or any(not isinstance(d, int) or d < 0 for d in shape)
                or not isinstance(begin, int) or not isinstance(end, int) or not 0 <= begin <= end <= size):
            raise ValueError(f'{path}: tensor {name!r} has a bad shape or data_offsets')
        count = 1
        for d in shape:
            count *= d
        itemsize = torch.empty((), dtype=dtype).element_size()
        if end - begin != count * itemsize:
            raise ValueError(f'{path}: tensor {name!r} needs {count * itemsize} bytes, the file gives {end - begin}')
        if count == 0:
            tensors[name] = torch.empty(shape, dtype=dtype)
            continue
        raw = torch.frombuffer(buf, dtype=torch.uint8, count=end - begin, offset=base + begin).clone()
        tensors[name] = raw.view(dtype).reshape(shape)
    return tensors, metadata


def save_safetensors(tensors, path, metadata=None):
    """Writes {name: tensor} as safetensors (names sorted, header padded to 8 bytes), atomically."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        if t.dtype not in _NAMES:
            raise ValueError(f'save_safetensors: tensor {name!r} has dtype {t.dtype}, which safetensors cannot hold')
        data = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() > 0 else b''
        header[name] = {'dtype': _NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)
`;

/** The base of every generated container: named children (None allowed) and plain attributes. */
const COMPOSITE = `class _Composite(nn.Module):
    """Holds named children (None for an absent one) and plain attributes, as convkit built them."""

    def __init__(self, children, **attrs):
        super().__init__()
        for k, v in attrs.items():
            setattr(self, k, v)
        for k, v in children:
            self.add_module(k, v)
`;

/** Python classes by name: their source and the classes they need first. */
export const PY_CLASSES: Record<string, { deps: readonly string[]; source: string }> = {
  _Composite: { deps: [], source: COMPOSITE },
  Chain: {
    deps: ['_Composite'],
    source: `class Chain(_Composite):
    """Runs the named children in the order of _steps; None flattens from dim 1 (torch.flatten(x, 1))."""

    def forward(self, x):
        for s in self._steps:
            x = torch.flatten(x, 1) if s is None else self._modules[s](x)
        return x
`,
  },
  Residual: {
    deps: ['_Composite'],
    source: `class Residual(_Composite):
    """activation(body(x) + shortcut(x)); no shortcut is the identity, no activation none."""

    def forward(self, x):
        shortcut, activation = getattr(self, 'shortcut', None), getattr(self, 'activation', None)
        y = self.body(x) + (x if shortcut is None else shortcut(x))
        return y if activation is None else activation(y)
`,
  },
  Concat: {
    deps: ['_Composite'],
    source: `class Concat(_Composite):
    """Every branch on the same input, concatenated along _dim (an inception block)."""

    def forward(self, x):
        return torch.cat([m(x) for m in self._modules.values() if m is not None], self._dim)
`,
  },
  TorchvisionBlock: {
    deps: ['_Composite'],
    source: `class TorchvisionBlock(_Composite):
    """torchvision's BasicBlock (conv1/bn1, conv2/bn2) and Bottleneck (+ conv3/bn3), downsample on the skip."""

    def forward(self, x):
        act = self.relu if getattr(self, 'relu', None) is not None else F.relu
        identity = x if getattr(self, 'downsample', None) is None else self.downsample(x)
        out = act(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if getattr(self, 'conv3', None) is not None:
            out = self.bn3(self.conv3(act(out)))
        return act(out + identity)
`,
  },
  UNet: {
    deps: ['_Composite'],
    source: `class UNet(_Composite):
    """inc, then per level skip + down, then per level up(h, skip), then outc."""

    def forward(self, x):
        skips = []
        h = self.inc(x)
        for d in self.downs:
            skips.append(h)
            h = d(h)
        for u in self.ups:
            h = u(h, skips.pop())
        return self.outc(h)
`,
  },
  UNetUp: {
    deps: ['_Composite'],
    source: `class UNetUp(_Composite):
    """conv(cat([skip, up(x)], channels))."""

    def forward(self, x, skip):
        return self.conv(torch.cat([skip, self.up(x)], 1))
`,
  },
  CausalConv1d: {
    deps: [],
    source: `class CausalConv1d(nn.Conv1d):
    """tcn1d's causal conv: a Conv1d on the input with left_padding zeros padded on the left (output t sees inputs <= t)."""

    def __init__(self, *args, left_padding=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.left_padding = left_padding

    def forward(self, x):
        return super().forward(F.pad(x, (self.left_padding, 0)))
`,
  },
  TemporalBlock: {
    deps: ['_Composite'],
    source: `class TemporalBlock(_Composite):
    """tcn1d's residual block: relu(net(x) + shortcut(x)), the shortcut a 1x1 conv (downsample) or the identity."""

    def forward(self, x):
        downsample = getattr(self, 'downsample', None)
        return self.relu(self.net(x) + (x if downsample is None else downsample(x)))
`,
  },
  TCN: {
    deps: ['_Composite'],
    source: `class TCN(_Composite):
    """tcn1d: the residual blocks in order, the mean over time (pool), the linear head (fc)."""

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.fc(self.pool(x))
`,
  },
  PadShortcut: {
    deps: [],
    source: `class PadShortcut(nn.Module):
    """ResNet option-A shortcut: x[:, :, ::stride, ::stride] with zero channels added on both sides."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x):
        s = x[:, :, ::self.stride, ::self.stride]
        p = (self.out_channels - self.in_channels) // 2
        return F.pad(s, (0, 0, 0, 0, p, p)) if p > 0 else s
`,
  },
  GoogLeNetTransformInput: {
    deps: [],
    source: `class GoogLeNetTransformInput(nn.Module):
    """torchvision's GoogLeNet transform_input: per channel x * (std / 0.5) + (mean - 0.5) / 0.5."""

    def forward(self, x):
        std = torch.tensor([0.229, 0.224, 0.225], dtype=x.dtype, device=x.device).reshape(1, 3, 1, 1)
        mean = torch.tensor([0.485, 0.456, 0.406], dtype=x.dtype, device=x.device).reshape(1, 3, 1, 1)
        return x * (std / 0.5) + (mean - 0.5) / 0.5
`,
  },
  GlobalAvgPool: {
    deps: [],
    source: `class GlobalAvgPool(nn.Module):
    """The mean of every axis after the channels: (N, C, H, W) -> (N, C)."""

    def forward(self, x):
        return x.mean(dim=tuple(range(2, x.dim())))
`,
  },
  ChannelMaxPool: {
    deps: [],
    source: `class ChannelMaxPool(nn.Module):
    """Max over groups of kernel_size consecutive channels, groups stride apart (maxout)."""

    def __init__(self, kernel_size, stride):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x):
        return x.unfold(1, self.kernel_size, self.stride).amax(-1)
`,
  },
  Unflatten: {
    deps: [],
    source: `class Unflatten(nn.Module):
    """Splits axis dim into sizes (one may be -1)."""

    def __init__(self, dim, sizes):
        super().__init__()
        self.dim, self.sizes = dim, tuple(sizes)

    def forward(self, x):
        d = self.dim % x.dim()
        return x.reshape(tuple(x.shape[:d]) + self.sizes + tuple(x.shape[d + 1:]))
`,
  },
  LayerNormNoBias: {
    deps: [],
    source: `class LayerNormNoBias(nn.Module):
    """LayerNorm with a learned scale and no shift (torch 1.13's nn.LayerNorm has no bias=False)."""

    def __init__(self, normalized_shape, eps):
        super().__init__()
        self.normalized_shape, self.eps = tuple(normalized_shape), eps
        self.weight = nn.Parameter(torch.ones(self.normalized_shape))

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, None, self.eps)
`,
  },
  LocallyConnected2d: {
    deps: [],
    source: `class LocallyConnected2d(nn.Module):
    """Convolution without weight sharing: weight (outH, outW, out, in, kH, kW), bias (out, outH, outW)."""

    def __init__(self, in_channels, out_channels, kernel_size, output_size, stride, padding, dilation, bias):
        super().__init__()
        (kh, kw), (oh, ow) = kernel_size, output_size
        self.kernel_size, self.output_size = tuple(kernel_size), tuple(output_size)
        self.stride, self.padding, self.dilation = tuple(stride), tuple(padding), tuple(dilation)
        self.weight = nn.Parameter(torch.zeros(oh, ow, out_channels, in_channels, kh, kw))
        self.bias = nn.Parameter(torch.zeros(out_channels, oh, ow)) if bias else None

    def forward(self, x):
        batched = x.dim() == 4
        if not batched:
            x = x.unsqueeze(0)
        (kh, kw), (oh, ow) = self.kernel_size, self.output_size
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        need_h, need_w = (oh - 1) * sh + dh * (kh - 1) + 1, (ow - 1) * sw + dw * (kw - 1) + 1
        x = F.pad(x, (pw, need_w - x.shape[3] - pw, ph, need_h - x.shape[2] - ph))
        cols = F.unfold(x, (kh, kw), dilation=(dh, dw), stride=(sh, sw))
        w = self.weight.reshape(oh * ow, self.weight.shape[2], -1)
        y = torch.einsum('ncl,loc->nol', cols, w).reshape(x.shape[0], -1, oh, ow)
        if self.bias is not None:
            y = y + self.bias
        return y if batched else y[0]
`,
  },
};

/** load / save helpers and the check run by \`python3 model.py\` (after the model class). */
export function pyTail(className: string, weightsFile: string): string {
  return `def build():
    """A fresh ${className} (random weights; load() fills them)."""
    return ${className}()


def load(path=None, strict=True):
    """${className} with the weights of a safetensors file (default: ${weightsFile} beside this file).
    The file's metadata is kept in model.convkit_metadata so save() can write it back."""
    if path is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), ${JSON.stringify(weightsFile)})
    tensors, metadata = load_safetensors(path)
    model = build()
    model.load_state_dict(tensors, strict=strict)
    model.convkit_metadata = dict(metadata)
    return model


def save(model, path, metadata=None):
    """Writes model.state_dict() as safetensors that convkit loads (loadWeights, convkit eval --weights).
    A DistributedDataParallel wrapper is unwrapped; metadata defaults to the loaded file's."""
    model = getattr(model, 'module', model)
    if metadata is None:
        metadata = getattr(model, 'convkit_metadata', None)
    save_safetensors(model.state_dict(), path, metadata)


def check_input(shape):
    """The deterministic input the export's reference logits were computed on: ((i*37) % 101) / 50 - 1."""
    n = 1
    for d in shape:
        n *= d
    return ((torch.arange(n, dtype=torch.float64) * 37) % 101 / 50 - 1).float().reshape(shape)


if __name__ == '__main__':
    model = load(sys.argv[1] if len(sys.argv) > 1 else None)
    model.eval()
    if INPUT_SHAPE is None:
        sys.exit('model.py: no input shape was given at export (convkit export --input-shape); the weights loaded')
    with torch.no_grad():
        out = model(check_input(INPUT_SHAPE))
    print(f'output {tuple(out.shape)}:', out.reshape(out.shape[0], -1)[:, :10].tolist())
    if REFERENCE is not None:
        ref = torch.tensor(REFERENCE, dtype=torch.float32)
        got = out.reshape(-1)[:ref.numel()]
        err = ((got - ref).abs() / ref.abs().clamp_min(1e-3)).max().item()
        print(f'largest relative difference to convkit on {ref.numel()} values: {err:.2e}')
        if not err <= 1e-4:
            sys.exit('model.py: the output differs from convkit\\'s; please report this export')
`;
}
