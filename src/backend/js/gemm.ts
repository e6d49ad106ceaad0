/** Reference GEMM: row-major, batched, with transposes; i-k-j loop order for contiguous access. */
export function gemm(
  transA: boolean,
  transB: boolean,
  batch: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOffset: number,
  strideA: number,
  b: Float32Array,
  bOffset: number,
  strideB: number,
  beta: number,
  c: Float32Array,
  cOffset: number,
  strideC: number,
): void {
  const row = new Float64Array(n);
  for (let bt = 0; bt < batch; bt++) {
    const ao = aOffset + bt * strideA,
      bo = bOffset + bt * strideB,
      co = cOffset + bt * strideC;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = transA ? a[ao + p * m + i] : a[ao + i * k + p];
        if (av === 0) continue;
        if (transB) for (let j = 0; j < n; j++) row[j] += av * b[bo + j * k + p];
        else {
          const bb = bo + p * n;
          for (let j = 0; j < n; j++) row[j] += av * b[bb + j];
        }
      }
      const cr = co + i * n;
      if (beta === 0) for (let j = 0; j < n; j++) c[cr + j] = alpha * row[j];
      else for (let j = 0; j < n; j++) c[cr + j] = alpha * row[j] + beta * c[cr + j];
    }
  }
}
