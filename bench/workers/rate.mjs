// The timing loop every benchmark worker uses (Node and browser alike: no node: imports).

/** Times fn repeatedly for about `seconds` (after one warm-up call); returns calls per second. */
export async function rate(fn, seconds) {
  await fn();
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
