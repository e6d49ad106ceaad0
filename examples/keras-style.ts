// Keras-style: train.summary(), train.fit() with validation and early stopping, train.evaluate()
// (the README's snippet). Run: npm run build && node --import tsx examples/keras-style.ts
import { data, models, optim, train } from 'convkit';

const { fit, evaluate, summary, EarlyStopping } = train;
const { loadMnist } = data;
const model = models.lenet5();
console.log(summary(model, [1, 28, 28]).text);
const history = await fit(model, await loadMnist({ split: 'train' }), {
  epochs: 3, batchSize: 32, optimizer: new optim.Adam(model.parameters(), { lr: 3e-3 }),
  metrics: ['accuracy'], validation: { fraction: 0.1 }, callbacks: [new EarlyStopping({ patience: 2 })],
});
console.log(evaluate(model, await loadMnist({ split: 'test' })));
