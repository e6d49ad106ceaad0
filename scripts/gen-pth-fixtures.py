#!/usr/bin/python3
"""Writes the committed .pth fixtures of test/io/pytorch.test.ts into test/fixtures/pth/.

Run with Debian's python3-torch (1.13): /usr/bin/python3 scripts/gen-pth-fixtures.py
Each <name>.pth comes with <name>.json: the tensors the reader must return (stored dtype, shape,
values flattened in row-major order as float32 or int), or the error it must give.

Files torch 1.13 writes itself: a Linear+BatchNorm state dict, every dtype, strided views sharing
one storage, a nested training checkpoint, nn.Parameters, a DataParallel state dict, a pickle
protocol 4 file, the legacy (non-zip) format and a TorchScript archive. Files built here by hand:
the layout torch 2.x writes (archive/ root, byteorder, .data/serialization_id,
.format_version, .storage_alignment, 64-byte aligned data), a _rebuild_tensor_v3 tensor on an
UntypedStorage (how torch 2.3+ saves uint16), and a big-endian file.

Reruns write byte-identical files, except legacy.pth and torchscript.pt (torch stores object ids
and a random-looking record in them); the tests only need those two to be refused.
"""
import io
import json
import os
import struct
import sys
import zipfile

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'pth')


def expected(sd):
    """The JSON form of a state dict: stored dtype, shape, values as the reader converts them."""
    out = {}
    for k, t in sd.items():
        t = t.detach()
        dtype = str(t.dtype).replace('torch.', '')
        if t.is_floating_point():
            vals = t.float().flatten().tolist()
        else:
            vals = t.to(torch.int64).flatten().tolist()
        out[k] = {'dtype': dtype, 'shape': list(t.shape), 'values': vals}
    return out


def write(name, data, expect, **save_kwargs):
    path = os.path.join(OUT, name + '.pth')
    torch.save(data, path, **save_kwargs)
    dump(name, expect)


def dump(name, expect):
    with open(os.path.join(OUT, name + '.json'), 'w') as f:
        json.dump(expect, f, indent=1)
        f.write('\n')


def rezip(src_bytes, root, extra_entries, alignment=64, order='little', swap=None):
    """Re-packs a torch.save zip as torch 2.x lays it out: stored entries, data 64-byte aligned."""
    src = zipfile.ZipFile(io.BytesIO(src_bytes))
    old_root = src.namelist()[0].split('/')[0]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
        def put(name, data):
            info = zipfile.ZipInfo(root + '/' + name, date_time=(1980, 1, 1, 0, 0, 0))
            # pad the local header's extra field so the data starts on an alignment boundary
            header = 30 + len(info.filename.encode())
            pad = (-(buf.tell() + header + 4)) % alignment
            info.extra = struct.pack('<HH', 0xF0F0, pad) + b'Z' * pad
            z.writestr(info, data)
        for n in src.namelist():
            rel = n[len(old_root) + 1:]
            data = src.read(n)
            if swap and rel.startswith('data/'):
                data = swap(rel, data)
            put(rel, data)
        put('byteorder', order.encode())
        for k, v in extra_entries.items():
            put(k, v)
    return buf.getvalue()


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    # 1. Linear + BatchNorm after one training step (running stats and num_batches_tracked set)
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    m(torch.randn(5, 3))
    write('linear_bn', m.state_dict(), {'tensors': expected(m.state_dict())})

    # 2. every dtype the reader converts
    x = torch.tensor([0.1, -2.5, 3.14159, 65504.0, 1e-3, -0.0])
    dt = {
        'f16': x.half(),
        'bf16': x.bfloat16(),
        'f64': torch.tensor([1 / 3, -1e30, 2.5], dtype=torch.float64),
        'i64': torch.tensor([[0, -1], [2147483647, -2147483648]], dtype=torch.int64),
        'i32': torch.tensor([7, -7], dtype=torch.int32),
        'i16': torch.tensor([-300, 300], dtype=torch.int16),
        'i8': torch.tensor([-128, 127], dtype=torch.int8),
        'u8': torch.tensor([0, 255], dtype=torch.uint8),
        'b': torch.tensor([True, False, True]),
        'scalar': torch.tensor(4.5),
        'empty': torch.zeros(0, 3),
    }
    write('dtypes', dt, {'tensors': expected(dt)})

    # 3. views of one storage: transposed, row with an offset, strided column, slice, half-precision view
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    hb = torch.arange(12, dtype=torch.float16).reshape(3, 4)
    views = {'base': base, 't': base.t(), 'row': base[2], 'col': base[:, 1], 'sl': base[1:3, ::2],
             'exp': base[0:1, 0:2].expand(3, 2), 'ht': hb.t()}
    write('views', views, {'tensors': expected(views), 'sharedStorage': ['base', 't', 'row', 'col', 'sl', 'exp']})

    # 4. a nested training checkpoint (state dict, epoch, optimizer state with int keys)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8, 2))
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(torch.randn(2, 1, 4, 4)).sum().backward()
    opt.step()
    ck = {'epoch': 7, 'best_acc': 0.875, 'arch': 'tiny', 'state_dict': net.state_dict(), 'optimizer': opt.state_dict()}
    write('nested', ck, {'tensors': expected(net.state_dict()), 'key': ['state_dict'],
                         'info': {'epoch': 7, 'best_acc': 0.875, 'arch': 'tiny'}})

    # 5. nn.Parameters in a plain dict (torch._utils._rebuild_parameter)
    params = {'w': torch.nn.Parameter(torch.randn(2, 3)), 'frozen': torch.nn.Parameter(torch.ones(2), requires_grad=False)}
    write('params', params, {'tensors': expected(params)})

    # 6. a DataParallel state dict: every key starts with module.
    dp = torch.nn.DataParallel(torch.nn.Linear(2, 2))
    write('dataparallel', dp.state_dict(), {'tensors': expected(dp.state_dict())})

    # 7. pickle protocol 4 (FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL)
    p4 = {'w': torch.randn(3, 2), 'n': torch.tensor(3)}
    write('proto4', p4, {'tensors': expected(p4)}, pickle_protocol=4)

    # 8. the legacy format and a TorchScript archive: refused with how to re-save
    write('legacy', {'w': torch.ones(2)}, {'error': 'legacy torch.save format'}, _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 1)), os.path.join(OUT, 'torchscript.pt'))
    dump('torchscript', {'error': 'TorchScript archive'})

    # 9. int64 values outside int32: an error naming the tensor
    write('int64_range', {'ok': torch.tensor([1]), 'big': torch.tensor([1, 2 ** 40])},
          {'error': "tensor 'big' \\(int64\\) holds 1099511627776"})

    # 10. the layout torch 2.x writes, by hand (torch 1.13 cannot write it)
    t2 = {'conv.weight': torch.randn(2, 1, 2, 2), 'conv.bias': torch.randn(2), 'bn.num_batches_tracked': torch.tensor(5)}
    b = io.BytesIO()
    torch.save(t2, b)
    t2_bytes = rezip(b.getvalue(), 'archive', {
        '.data/version': b'3\n', '.data/serialization_id': b'1234567890123456789012345678901234567890',
        '.format_version': b'1', '.storage_alignment': b'64'})
    with open(os.path.join(OUT, 'torch2_layout.pth'), 'wb') as f:
        f.write(t2_bytes)
    dump('torch2_layout', {'tensors': expected(t2)})

    # 11. big-endian byte order (what torch writes on s390x): data swapped, byteorder 'big'
    be = {'w': torch.tensor([1.5, -2.25, 1e-8]), 'h': torch.tensor([0.5, -3.0]).half(), 'i': torch.tensor([1, -2, 2 ** 31 - 1])}
    b = io.BytesIO()
    torch.save(be, b)
    # storage keys follow insertion order: 0 -> w (4 bytes), 1 -> h (2 bytes), 2 -> i (8 bytes)
    sizes = {'data/0': 4, 'data/1': 2, 'data/2': 8}

    def swap(rel, data):
        n = sizes[rel]
        return b''.join(data[i:i + n][::-1] for i in range(0, len(data), n))
    with open(os.path.join(OUT, 'bigendian.pth'), 'wb') as f:
        f.write(rezip(b.getvalue(), 'bigendian', {}, order='big', swap=swap))
    dump('bigendian', {'tensors': expected(be)})

    # 12. _rebuild_tensor_v3 on an UntypedStorage (torch 2.3+ saves uint16/uint32/uint64 like this)
    raw = struct.pack('<4H', 1, 2, 65535, 300)
    pkl = bytearray(b'\x80\x02}q\x00(X\x01\x00\x00\x00u')
    pkl += b'ctorch._utils\n_rebuild_tensor_v3\n('
    pkl += b'(X\x07\x00\x00\x00storagectorch\nUntypedStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x08tQ'
    pkl += b'K\x00K\x02K\x02\x86K\x02K\x01\x86\x89ccollections\nOrderedDict\n)Rctorch\nuint16\nt'
    pkl += b'Ru.'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
        for name, data in [('data.pkl', bytes(pkl)), ('byteorder', b'little'), ('data/0', raw), ('version', b'3\n')]:
            z.writestr(zipfile.ZipInfo('v3/' + name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    with open(os.path.join(OUT, 'v3_untyped.pth'), 'wb') as f:
        f.write(buf.getvalue())
    dump('v3_untyped', {'tensors': {'u': {'dtype': 'uint16', 'shape': [2, 2], 'values': [1, 2, 65535, 300]}}})

    # 13. a whole model (torch.save(model)): refused, naming the class and how to save its state dict
    write('whole_model', torch.nn.Linear(2, 1), {'error': "refusing to load global 'torch\\.nn\\.modules\\.linear\\.Linear'"})

    print('wrote', len(os.listdir(OUT)), 'files to', os.path.normpath(OUT))


if __name__ == '__main__':
    sys.exit(main())
