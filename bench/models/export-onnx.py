"""Exports the benchmark's LeNet-5 and Keras Fashion CNN (random weights; speed only) to ONNX
for the onnxruntime-node worker. Needs Debian's python3-torch:
    /usr/bin/python3 bench/models/export-onnx.py
The architectures are the same as in bench/workers/torch_worker.py."""
import os, sys
import torch
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'workers'))
from torch_worker_models import lenet5, keras_fashion  # noqa: E402

torch.manual_seed(0)
here = os.path.dirname(os.path.abspath(__file__))
for name, make in [('lenet5', lenet5), ('keras-fashion', keras_fashion)]:
    model = make().eval()
    torch.onnx.export(model, torch.randn(1, 1, 28, 28), os.path.join(here, f'{name}.onnx'), input_names=['x'],
                      output_names=['y'], dynamic_axes={'x': {0: 'n'}, 'y': {0: 'n'}}, opset_version=13)
    print('wrote', f'{name}.onnx')
