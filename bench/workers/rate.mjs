// The timing loop every benchmark worker uses (Node and browser alike: no node: imports).

/**
 * Times fn repeatedly for about `seconds` (after one warm-up call); returns calls per second. In
 * quick runs (BENCH_QUICK=1) a warm-up call that itself took `seconds` or more is the
 * measurement: a framework needing many seconds per call is timed once, not twice.
 */
export async function rate(fn, seconds) {
  const quick = globalThis.process?.env?.BENCH_QUICK === '1';
  const w0 = performance.now();
  await fn();
  const warm = performance.now() - w0;
  if (quick && warm >= seconds * 1000) return 1000 / warm;
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    await fn();
    n++;
    t = performance.now();
  } while (t - t0 < seconds * 1000);
  return (n * 1000) / (t - t0);
}
