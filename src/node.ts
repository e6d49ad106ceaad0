/**
 * convkit/node: the functions that need Node's file system, in one place (package.json
 * `exports["./node"]`). They are the same functions as in the namespaces of `convkit`
 * (data.loadMnist is loadMnist here); this entry only lists them, so that code written for Node
 * says so in its imports. In a page or Web Worker each of them throws "<fn> needs Node's file
 * system; in a browser use <alternative>" when called; importing them does nothing.
 *
 * @module convkit/node
 */
export { loadMnist, loadFashionMnist } from './data/mnist.js';
export { readIdx } from './data/idx.js';
export { loadCifar10, loadCifar10Batch } from './data/cifar10.js';
export { loadBreastCancer } from './data/breast-cancer.js';
export { ImageFolder } from './data/image-folder.js';
export { loadSafetensors, saveSafetensors } from './io/safetensors.js';
export { atomicWriteFile } from './io/atomic-write.js';
export { saveWeights, loadWeights, saveCheckpoint, loadCheckpoint } from './train/checkpoint.js';
export { CSVLogger } from './train/csv-logger.js';
export { JSONLogger } from './train/json-logger.js';
