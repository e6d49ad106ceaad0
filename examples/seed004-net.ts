// Seed 004's PyTorch `Net` ("Implementing a simple neural network in PyTorch"), ported with
// only syntax changes: the layers assigned to properties in the constructor register themselves
// (as PyTorch's __setattr__ does), so parameters(), the state dict and printing see them.
// It is trained on the lecture's setting: N = 100 points, mini-batches of 20, squared loss.
// Run: node --import tsx examples/seed004-net.ts [--epochs 300]
// (test/examples-seed004.slow.test.ts runs it against src through tsconfig.examples.json)
import { F, Tensor, data, manualSeed, nn, optim, rand } from 'convkit';

// import torch.nn as nn
// import torch.nn.functional as F
//
// class Net(nn.Module):
//     def __init__(self):
//         super(Net, self).__init__()
//         self.fc1 = nn.Linear(3, 6)
//         self.fc2 = nn.Linear(6, 4)
//         self.fc3 = nn.Linear(4, 1)
//
//     def forward(self, x):
//         # First layer
//         x = self.fc1(x)
//         x = F.relu(x)
//         # Second layer
//         x = self.fc2(x)
//         x = F.relu(x)
//         # Output layer
//         x = self.fc3(x)
//         return x

/** Seed 004's network: 3 inputs, ReLU hidden layers of 6 and 4 units, one output. */
export class Net extends nn.Module {
  fc1: nn.Linear;
  fc2: nn.Linear;
  fc3: nn.Linear;

  constructor() {
    super();
    this.fc1 = new nn.Linear(3, 6);
    this.fc2 = new nn.Linear(6, 4);
    this.fc3 = new nn.Linear(4, 1);
  }

  forward(input: Tensor): Tensor {
    // First layer
    let x = this.fc1.call(input);
    x = F.relu(x);
    // Second layer
    x = this.fc2.call(x);
    x = F.relu(x);
    // Output layer
    x = this.fc3.call(x);
    return x;
  }
}

/** The regression target the example fits: y = x0 * x1 + |x2| - 0.5 (smooth enough for 57 weights). */
export function target(x: Tensor): Tensor {
  const [x0, x1, x2] = [0, 1, 2].map((i) => x.narrow(1, i, 1));
  return x0.mul(x1).add(x2.abs()).sub(0.5);
}

/** What `trainNet` reports: losses over the whole data set, before and after training. */
export interface TrainReport {
  /** The trained model. */
  net: Net;
  /** Mean squared error of the untrained model. */
  initialLoss: number;
  /** Mean squared error after training. */
  finalLoss: number;
  /** The error of predicting the mean of y (the baseline a model must beat). */
  baselineLoss: number;
}

/** Trains seed 004's Net with mini-batch SGD (N = 100, batches of 20) for `epochs` epochs. */
export function trainNet(epochs: number, seed = 0): TrainReport {
  manualSeed(seed);
  const x = rand([100, 3]).mul(2).sub(1);
  const y = target(x);
  const net = new Net();
  const opt = new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
  const loader = new data.DataLoader(new data.TensorDataset(x, new Int32Array(100), { targets: y }), { batchSize: 20, shuffle: true, seed });
  const mse = (): number => F.mseLoss(net.forward(x), y).item();
  const initialLoss = mse();
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const batch of loader) {
      opt.zeroGrad();
      const loss = F.mseLoss(net.call(batch.x), batch.y);
      loss.backward();
      opt.step();
    }
  }
  const baselineLoss = y.sub(y.mean()).pow(2).mean().item();
  return { net, initialLoss, finalLoss: mse(), baselineLoss };
}

const isMain = import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const at = process.argv.indexOf('--epochs');
  const epochs = at > 0 ? Number(process.argv[at + 1]) : 300;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`--epochs must be a positive integer, got ${process.argv[at + 1]}`);
  const { net, initialLoss, finalLoss, baselineLoss } = trainNet(epochs);
  console.log(String(net));
  console.log(`parameters: ${net.numParameters()} in ${[...net.stateDict().keys()].join(', ')}`);
  console.log(`mse before ${initialLoss.toFixed(4)}, after ${epochs} epochs ${finalLoss.toFixed(4)} (predicting the mean: ${baselineLoss.toFixed(4)})`);
}
