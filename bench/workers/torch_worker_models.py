"""The benchmark's PyTorch models (shared by torch_worker.py and bench/models/export-onnx.py)."""
import torch.nn as nn


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def keras_fashion():
    c = lambda i, o, k: nn.Conv2d(i, o, k, padding=k // 2)  # 'same' for odd kernels (and ONNX-exportable)
    return nn.Sequential(
        c(1, 64, 7), nn.ReLU(), nn.MaxPool2d(2),
        c(64, 128, 3), nn.ReLU(), c(128, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
        c(128, 256, 3), nn.ReLU(), c(256, 256, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(2304, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(64, 10))
