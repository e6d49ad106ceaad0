// A module Web Worker that runs convkit (started by page.js): the backend starts by itself
// there too; it sends back its backend, thread count and the values the runner compares with
// Node's (conv2d forward/backward, LeNet-5 forward). 'dispose' stops its backend's threads.
import * as ck from 'convkit';
import { convValues, lenetForward } from './checks.js';

self.onmessage = async (e) => {
  if (e.data === 'dispose') {
    await ck.disposeBackend(); // stop this worker's own thread pool before the page terminates it
    self.postMessage({ disposed: true });
    return;
  }
  try {
    const be = await ck.ready();
    self.postMessage({
      backend: be.name,
      threads: be.threads,
      describe: be.describe(),
      isolated: self.crossOriginIsolated === true,
      cores: navigator.hardwareConcurrency,
      conv: convValues(ck),
      lenet: lenetForward(ck),
    });
  } catch (e) {
    self.postMessage({ error: (e && e.stack) || String(e) });
  }
};
