// Reduction, arg-reduction and permute kernels (mirror src/backend/js/reduce.ts). Included by kernels_impl.h inside the per-ISA namespace.
// ---- reductions and layout --------------------------------------------------------------

static void reduceRange(int op, const float* x, long o0, long o1, long len, long inner, float* out) {
  if (inner == 1) {
    for (long o = o0; o < o1; o++) {
      const float* p = x + o * len;
      if (op == R_SUM) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        long l = 0;
        for (; l + 4 <= len; l += 4) { s0 += p[l]; s1 += p[l + 1]; s2 += p[l + 2]; s3 += p[l + 3]; }
        for (; l < len; l++) s0 += p[l];
        out[o] = (float)((s0 + s1) + (s2 + s3));
      } else if (op == R_PROD) {
        double acc = 1;
        for (long l = 0; l < len; l++) acc *= p[l];
        out[o] = (float)acc;
      } else if (op == R_MAX) {
        float acc = -INFINITY;
        for (long l = 0; l < len; l++) { float v = p[l]; if (v > acc || v != v) acc = v; }
        out[o] = acc;
      } else {
        float acc = INFINITY;
        for (long l = 0; l < len; l++) { float v = p[l]; if (v < acc || v != v) acc = v; }
        out[o] = acc;
      }
    }
    return;
  }
  // inner > 1: walk rows of the (len, inner) slab, accumulating a whole row at a time
  double* acc = (double*)malloc(sizeof(double) * (size_t)inner);
  for (long o = o0; o < o1; o++) {
    const float* base = x + o * len * inner;
    float* dst = out + o * inner;
    if (op == R_SUM || op == R_PROD) {
      for (long i = 0; i < inner; i++) acc[i] = op == R_SUM ? 0.0 : 1.0;
      for (long l = 0; l < len; l++) {
        const float* row = base + l * inner;
        if (op == R_SUM) for (long i = 0; i < inner; i++) acc[i] += row[i];
        else for (long i = 0; i < inner; i++) acc[i] *= row[i];
      }
      for (long i = 0; i < inner; i++) dst[i] = (float)acc[i];
    } else {
      float init = op == R_MAX ? -INFINITY : INFINITY;
      for (long i = 0; i < inner; i++) dst[i] = init;
      for (long l = 0; l < len; l++) {
        const float* row = base + l * inner;
        if (op == R_MAX) for (long i = 0; i < inner; i++) { float v = row[i]; if (v > dst[i] || v != v) dst[i] = v; }
        else for (long i = 0; i < inner; i++) { float v = row[i]; if (v < dst[i] || v != v) dst[i] = v; }
      }
    }
  }
  free(acc);
}

static void reduceK(int op, const float* x, long outer, long len, long inner, float* out) {
  long total = outer * len * inner;
  if (total < kElemParallel || outer < 2 || ck_threads() == 1) { reduceRange(op, x, 0, outer, len, inner, out); return; }
  long per = lmax(1, kElemChunk / lmax(1, len * inner));
  long chunks = (outer + per - 1) / per;
  auto task = [&](long t) { reduceRange(op, x, t * per, lmin(outer, (t + 1) * per), len, inner, out); };
  parallelFor(chunks, task);
}

static void argReduceK(int isMax, const float* x, long outer, long len, long inner, int32_t* out) {
  for (long o = 0; o < outer; o++) {
    const float* base = x + o * len * inner;
    for (long i = 0; i < inner; i++) {
      float best = base[i];
      int32_t bi = 0;
      const float* p = base + i + inner;
      for (long l = 1; l < len; l++, p += inner) {
        float v = *p;
        if (isMax ? v > best : v < best) { best = v; bi = (int32_t)l; }
      }
      out[o * inner + i] = bi;
    }
  }
}

static void permuteK(const float* x, const long* shape, const long* perm, int rank, float* out) {
  if (rank == 0) { out[0] = x[0]; return; }
  long inStride[16], outShape[16], st[16], idx[16];
  long acc = 1, n = 1;
  for (int d = rank - 1; d >= 0; d--) { inStride[d] = acc; acc *= shape[d]; }
  for (int d = 0; d < rank; d++) { outShape[d] = shape[perm[d]]; st[d] = inStride[perm[d]]; idx[d] = 0; n *= outShape[d]; }
  if (n == 0) return;
  long inner = outShape[rank - 1], si = st[rank - 1];
  // a 2-D transpose at the end (..., a, b) -> (..., b, a): copy in tiles for cache reuse
  if (rank >= 2 && si != 1 && st[rank - 2] == 1 && inner >= 16 && outShape[rank - 2] >= 16) {
    long rowsO = outShape[rank - 2];
    long planes = n / (inner * rowsO);
    long pidx[16] = {0};
    long off = 0;
    for (long pl = 0; pl < planes; pl++) {
      float* o = out + pl * inner * rowsO;
      for (long r0 = 0; r0 < rowsO; r0 += 32)
        for (long c0 = 0; c0 < inner; c0 += 32)
          for (long r = r0; r < lmin(rowsO, r0 + 32); r++)
            for (long c = c0; c < lmin(inner, c0 + 32); c++) o[r * inner + c] = x[off + r + c * si];
      for (int d = rank - 3; d >= 0; d--) {
        pidx[d]++; off += st[d];
        if (pidx[d] < outShape[d]) break;
        off -= st[d] * outShape[d]; pidx[d] = 0;
      }
    }
    return;
  }
  long off = 0;
  for (long o = 0; o < n; o += inner) {
    if (si == 1) memcpy(out + o, x + off, (size_t)inner * 4);
    else for (long j = 0, p = off; j < inner; j++, p += si) out[o + j] = x[p];
    for (int d = rank - 2; d >= 0; d--) {
      idx[d]++; off += st[d];
      if (idx[d] < outShape[d]) break;
      off -= st[d] * outShape[d]; idx[d] = 0;
    }
  }
}

