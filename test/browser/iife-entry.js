// The smallest page of the browser tests: built by esbuild with nothing but --bundle
// --platform=browser (its default output format, an IIFE script), as the first route.
// It publishes the values the runner compares with Node's, in window.__convkit.
import * as ck from 'convkit';
import { convValues, lenetForward } from './checks.js';

const state = { done: false, values: null, checks: [], error: null, info: { ms: {} } };
globalThis.__convkit = state;
ck.ready()
  .then((backend) => {
    state.info.describe = backend.describe();
    state.info.backend = backend.name;
    state.info.crossOriginIsolated = globalThis.crossOriginIsolated === true;
    state.values = { conv: convValues(ck), lenet: lenetForward(ck) };
    const want = state.info.crossOriginIsolated ? Math.min(navigator.hardwareConcurrency, 16) : 1;
    state.checks.push({
      name: 'threads: all cores when cross-origin isolated, 1 otherwise',
      ok: backend.threads === want,
      detail: backend.describe(),
    });
  })
  .catch((e) => {
    state.error = (e && e.stack) || String(e);
  })
  .finally(() => {
    state.done = true;
  });
