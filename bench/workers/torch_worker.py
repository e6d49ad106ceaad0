"""Benchmark worker for PyTorch CPU (Debian python3-torch); speaks bench/workers/protocol.mjs."""
import json, os, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_worker_models import lenet5, keras_fashion  # noqa: E402

threads = int(os.environ.get('BENCH_THREADS', '2'))
torch.set_num_threads(threads)
torch.manual_seed(0)


def rate(fn, seconds):
    fn()
    n, t0 = 0, time.perf_counter()
    while True:
        fn(); n += 1
        t = time.perf_counter()
        if t - t0 >= seconds:
            return n / (t - t0)


def train_rate(make, batch, seconds):
    model = make(); opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, 1, 28, 28); y = torch.randint(0, 10, (batch,))
    def step():
        opt.zero_grad(); F.cross_entropy(model(x), y).backward(); opt.step()
    return batch * rate(step, seconds)


def infer_rate(make, batch, seconds):
    model = make().eval(); x = torch.randn(batch, 1, 28, 28)
    def run():
        with torch.no_grad(): model(x)
    return batch * rate(run, seconds)


def conv_fwd(seconds):
    x = torch.randn(32, 64, 56, 56); w = torch.randn(64, 64, 3, 3)
    def run():
        with torch.no_grad(): F.conv2d(x, w, padding=1)
    return 2 * 32 * 56 * 56 * 64 * 64 * 9 * rate(run, seconds) / 1e9


def conv_bwd(seconds):
    x = torch.randn(32, 64, 56, 56, requires_grad=True); w = torch.randn(64, 64, 3, 3, requires_grad=True)
    dy = torch.randn(32, 64, 56, 56)
    def run():
        y = F.conv2d(x, w, padding=1); torch.autograd.grad(y, (x, w), dy)
    # forward + data gradient + weight gradient: three products of the forward's size
    return 3 * 2 * 32 * 56 * 56 * 64 * 64 * 9 * rate(run, seconds) / 1e9


def sgemm(seconds):
    a = torch.randn(1024, 1024); b = torch.randn(1024, 1024)
    return 2 * 1024 ** 3 * rate(lambda: a @ b, seconds) / 1e9


WORK = {
    'lenet-train': lambda s: train_rate(lenet5, 64, s),
    'lenet-infer': lambda s: infer_rate(lenet5, 256, s),
    'fashion-train': lambda s: train_rate(keras_fashion, 32, s),
    'fashion-infer': lambda s: infer_rate(keras_fashion, 64, s),
    'conv-fwd': conv_fwd, 'conv-fwd-bwd': conv_bwd, 'sgemm-1024': sgemm,
}

print(json.dumps({'ready': True, 'framework': 'pytorch', 'version': torch.__version__, 'notes': f'{threads} threads'}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    try:
        if req['workload'] not in WORK:
            raise ValueError('not supported')
        out = {'id': req['id'], 'value': WORK[req['workload']](req['seconds'])}
    except Exception as e:  # report, keep serving
        out = {'id': req['id'], 'error': str(e).split('\n')[0][:160]}
    print(json.dumps(out), flush=True)
