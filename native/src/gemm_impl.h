// Packed, register- and cache-blocked GEMM core (BLIS loop order), compiled once per ISA.
// Included inside the per-ISA namespace by kernels_impl.h; CK_VW (floats per vector),
// CK_MR x CK_NRV vectors is the register tile, CK_KC/CK_MC/CK_NC the cache blocks.
// A and B are "sources" that pack themselves, so convolutions can pack im2col panels
// straight from the image without materialising the column matrix.

typedef float vf __attribute__((vector_size(CK_VW * 4)));
typedef float vfu __attribute__((vector_size(CK_VW * 4), aligned(4)));
static const int MR = CK_MR;
static const int NRV = CK_NRV;
static const int NR = CK_VW * CK_NRV;
static const long KC = CK_KC, MC = CK_MC, NC = CK_NC;

#if defined(__AVX__)
// out[r] = column r of the 8x8 block whose row i starts at in[i] (unaligned loads, 8 floats each).
static inline __attribute__((always_inline)) void transpose8(const float* const in[8], __m256 out[8]) {
  __m256 r0 = _mm256_loadu_ps(in[0]), r1 = _mm256_loadu_ps(in[1]), r2 = _mm256_loadu_ps(in[2]),
         r3 = _mm256_loadu_ps(in[3]), r4 = _mm256_loadu_ps(in[4]), r5 = _mm256_loadu_ps(in[5]),
         r6 = _mm256_loadu_ps(in[6]), r7 = _mm256_loadu_ps(in[7]);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
         t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
         u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
         u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
         u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  out[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  out[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  out[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  out[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  out[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  out[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  out[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  out[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}
#endif

// Per-thread packing buffers (pool threads live as long as the process).
struct PackBuffers {
  float* a = nullptr;
  float* b = nullptr;
};
static thread_local PackBuffers tlsPack;
static float* packBufA() { if (!tlsPack.a) tlsPack.a = alignedAlloc(MC * KC); return tlsPack.a; }
static float* packBufB() { if (!tlsPack.b) tlsPack.b = alignedAlloc(KC * (NC + NR)); return tlsPack.b; }

// Growable per-thread scratch for column buffers and similar.
struct Scratch {
  float* p = nullptr;
  size_t cap = 0;
};
static thread_local Scratch tlsScratch, tlsScratch2;
static float* scratch(size_t floats) {
  if (tlsScratch.cap < floats) {
    free(tlsScratch.p);
    tlsScratch.p = alignedAlloc(floats);
    tlsScratch.cap = floats;
  }
  return tlsScratch.p;
}
// A second growable per-thread buffer, for use while scratch() is in use.
static float* scratch2(size_t floats) {
  if (tlsScratch2.cap < floats) {
    free(tlsScratch2.p);
    tlsScratch2.p = alignedAlloc(floats);
    tlsScratch2.cap = floats;
  }
  return tlsScratch2.p;
}

enum { INIT_OVERWRITE = 0, INIT_BETA = 1, INIT_BIAS = 2, INIT_ACCUM = 3 };

// C[mr x nr] (=|+=) alpha * A_panel * B_panel, with the first-block rule `mode`.
static inline __attribute__((always_inline)) void storeTile(vf (&acc)[MR][NRV], float* C, long ldc, int mr, int nr,
                                                            float alpha, int mode, float beta, const float* bias) {
  if (mr == MR && nr == NR) {
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++) {
      float bi = mode == INIT_BIAS ? bias[i] : 0.f;
#pragma GCC unroll 8
      for (int j = 0; j < NRV; j++) {
        vfu* cp = (vfu*)(C + i * ldc + j * CK_VW);
        vf v = acc[i][j] * alpha;
        if (mode == INIT_OVERWRITE) *cp = v;
        else if (mode == INIT_ACCUM) *cp = *cp + v;
        else if (mode == INIT_BETA) *cp = v + beta * (vf)*cp;
        else *cp = v + bi;
      }
    }
    return;
  }
  if (nr == NR) {
    // bottom edge: whole vectors for the rows that exist
    for (int i = 0; i < mr; i++) {
      float bi = mode == INIT_BIAS ? bias[i] : 0.f;
#pragma GCC unroll 8
      for (int j = 0; j < NRV; j++) {
        vfu* cp = (vfu*)(C + i * ldc + j * CK_VW);
        vf v = acc[i][j] * alpha;
        if (mode == INIT_OVERWRITE) *cp = v;
        else if (mode == INIT_ACCUM) *cp = *cp + v;
        else if (mode == INIT_BETA) *cp = v + beta * (vf)*cp;
        else *cp = v + bi;
      }
    }
    return;
  }
  float tmp[MR][NR] __attribute__((aligned(64)));
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NRV; j++) *(vf*)&tmp[i][j * CK_VW] = acc[i][j];
  for (int i = 0; i < mr; i++) {
    float* cr = C + i * ldc;
    for (int j = 0; j < nr; j++) {
      float v = tmp[i][j] * alpha;
      if (mode == INIT_OVERWRITE) cr[j] = v;
      else if (mode == INIT_ACCUM) cr[j] += v;
      else if (mode == INIT_BETA) cr[j] = v + beta * cr[j];
      else cr[j] = v + bias[i];
    }
  }
}

static void ukernel(long kc, const float* __restrict A, const float* __restrict B, float* C, long ldc, int mr, int nr,
                    float alpha, int mode, float beta, const float* bias) {
  vf acc[MR][NRV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
    for (int j = 0; j < NRV; j++) acc[i][j] = (vf){};
  for (long p = 0; p < kc; p++) {
    vf b[NRV];
#pragma GCC unroll 8
    for (int j = 0; j < NRV; j++) b[j] = *(const vf*)(B + j * CK_VW);
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++) {
      float a = A[i];
#pragma GCC unroll 8
      for (int j = 0; j < NRV; j++) acc[i][j] += a * b[j];
    }
    A += MR;
    B += NR;
  }
  storeTile(acc, C, ldc, mr, nr, alpha, mode, beta, bias);
}

// ---- operand sources ------------------------------------------------------------------

// Strided matrix as the A operand: A(i, p) = ptr[i*rs + p*cs].
struct MatA {
  const float* ptr;
  long rs, cs;
  const float* packed(float* dst, long i0, long mc, long p0, long kc) const {
    pack(dst, i0, mc, p0, kc);
    return dst;
  }
  void pack(float* dst, long i0, long mc, long p0, long kc) const {
    for (long ir = 0; ir < mc; ir += MR) {
      int mr = (int)lmin(MR, mc - ir);
      float* d = dst + ir * kc;
      if (cs == 1) {
        long q = 0;
#if defined(__AVX__)
        // whole panels 8 columns at a time: 8x8 transposes (rows past MR read as row 0, never stored)
        if (mr == MR && MR <= 8 && MR % 2 == 0) {
          const float* rows[8];
          for (int i = 0; i < 8; i++) rows[i] = ptr + (i0 + ir + (i < MR ? i : 0)) * rs + p0;
          for (; q + 8 <= kc; q += 8) {
            __m256 t[8];
            transpose8(rows, t);
            for (int i = 0; i < 8; i++) rows[i] += 8;
#pragma GCC unroll 8
            for (int c = 0; c < 8; c++) {
              float* dc = d + (q + c) * MR;
              if (MR == 8) _mm256_storeu_ps(dc, t[c]);
              else {
                _mm_storeu_ps(dc, _mm256_castps256_ps128(t[c]));
                if (MR == 6) _mm_storel_pi((__m64*)(dc + 4), _mm256_extractf128_ps(t[c], 1));
              }
            }
          }
        }
#endif
        for (int i = 0; i < mr; i++) {
          const float* s = ptr + (i0 + ir + i) * rs + p0;
          for (long qq = q; qq < kc; qq++) d[qq * MR + i] = s[qq];
        }
      } else {
        for (long q = 0; q < kc; q++) {
          const float* s = ptr + (p0 + q) * cs + (i0 + ir) * rs;
          for (int i = 0; i < mr; i++) d[q * MR + i] = s[i * rs];
        }
      }
      if (mr < MR)
        for (long q = 0; q < kc; q++)
          for (int i = mr; i < MR; i++) d[q * MR + i] = 0.f;
    }
  }
};

// A operand packed once for the whole matrix (the weights of a convolution, shared by all
// images and threads): the KC block at p0 holds MR-row panels of its kc columns.
struct PackedA {
  float* buf = nullptr;
  long m = 0, mPad = 0;
  PackedA(const MatA& a, long m_, long k) : m(m_), mPad((m_ + MR - 1) / MR * MR) {
    buf = alignedAlloc((size_t)(mPad * (k > 0 ? k : 1)));
    for (long pc = 0; pc < k; pc += KC) a.pack(buf + pc * mPad, 0, m, pc, lmin(KC, k - pc));
  }
  // Storage for an m x k matrix written element by element with at(); the padding rows
  // m..mPad-1 are zeroed here.
  PackedA(long m_, long k) : m(m_), mPad((m_ + MR - 1) / MR * MR) {
    buf = alignedAlloc((size_t)(mPad * (k > 0 ? k : 1)));
    for (long i = m; i < mPad; i++)
      for (long p = 0; p < k; p++) *at(i, p, k) = 0.f;
  }
  // Where element (i, p) of the m x k matrix lives.
  float* at(long i, long p, long k) const {
    long pc = p / KC * KC, kc = lmin(KC, k - pc);
    return buf + pc * mPad + i / MR * MR * kc + (p - pc) * MR + i % MR;
  }
  ~PackedA() { free(buf); }
  PackedA(const PackedA&) = delete;
  PackedA& operator=(const PackedA&) = delete;
  // i0 is a multiple of MR and p0 of KC (the drivers guarantee both)
  const float* packed(float*, long i0, long, long p0, long kc) const { return buf + p0 * mPad + i0 * kc; }
};

// Strided matrix as the B operand: B(p, j) = ptr[p*rs + j*cs].
struct MatB {
  const float* ptr;
  long rs, cs;
  void pack(float* dst, long p0, long kc, long j0, long nc) const {
    for (long jr = 0; jr < nc; jr += NR) {
      int nr = (int)lmin(NR, nc - jr);
      float* d = dst + jr * kc;
      if (cs == 1) {
        for (long q = 0; q < kc; q++) {
          const float* s = ptr + (p0 + q) * rs + j0 + jr;
          float* dq = d + q * NR;
          if (nr == NR) {
#pragma GCC unroll 8
            for (int j = 0; j < NRV; j++) *(vf*)(dq + j * CK_VW) = *(const vfu*)(s + j * CK_VW);
          } else {
            int j = 0;
            for (; j < nr; j++) dq[j] = s[j];
            for (; j < NR; j++) dq[j] = 0.f;
          }
        }
      } else {
        long q = 0;
#if defined(__AVX__)
        // B stored transposed (columns contiguous): 8x8 transposes into whole panels
        if (rs == 1 && nr == NR) {
          for (; q + 8 <= kc; q += 8)
            for (int j8 = 0; j8 < NR; j8 += 8) {
              const float* rows[8];
              for (int i = 0; i < 8; i++) rows[i] = ptr + (j0 + jr + j8 + i) * cs + p0 + q;
              __m256 t[8];
              transpose8(rows, t);
#pragma GCC unroll 8
              for (int c = 0; c < 8; c++) _mm256_storeu_ps(d + (q + c) * NR + j8, t[c]);
            }
        }
#endif
        for (int j = 0; j < nr; j++) {
          const float* s = ptr + (j0 + jr + j) * cs + p0 * rs;
          for (long qq = q; qq < kc; qq++) d[qq * NR + j] = s[qq * rs];
        }
        for (int j = nr; j < NR; j++)
          for (long q = 0; q < kc; q++) d[q * NR + j] = 0.f;
      }
    }
  }
};

// dst[0..n) = src[0..n) for short runs (an image row), without a memcpy call per run.
static inline void copyRun(float* __restrict dst, const float* __restrict src, long n) {
  if (n < CK_VW) {
    for (long i = 0; i < n; i++) dst[i] = src[i];
    return;
  }
  long i = 0;
  for (; i + CK_VW <= n; i += CK_VW) *(vfu*)(dst + i) = *(const vfu*)(src + i);
  // the tail as one vector that overlaps the last full one
  if (i < n) *(vfu*)(dst + n - CK_VW) = *(const vfu*)(src + n - CK_VW);
}

// Where colRow writes: position j of the row (0-based from q0) goes to dst[j].
struct LinearSink {
  float* dst;
  void zero(long j, long n) const { for (long i = 0; i < n; i++) dst[j + i] = 0.f; }
  void copy(long j, const float* src, long stride, long n) const {
    if (stride == 1) copyRun(dst + j, src, n);
    else for (long i = 0; i < n; i++) dst[j + i] = src[i * stride];
  }
};

// The im2col matrix of one image and group, never materialised: row r = (c, ki, kj),
// column q = (oh, ow). colRow writes col[r][q0 .. q0+len) to a sink.
struct Im2col {
  const float* x;  // first input channel of the group, this image
  long H, W, kh, kw, sH, sW, pT, pL, dH, dW, outW;
  template <class Sink>
  void colRow(long r, long q0, long len, const Sink& sink) const {
    long kk = kh * kw;
    long c = r / kk, t = r - c * kk;
    long ki = t / kw, kj = t - ki * kw;
    const float* xs = x + c * H * W;
    long offH = ki * dH - pT, offW = kj * dW - pL;
    // output columns whose input column lies inside [0, W)
    long vlo = offW >= 0 ? 0 : (-offW + sW - 1) / sW;
    long vhi = W - 1 - offW >= 0 ? (W - 1 - offW) / sW + 1 : 0;
    if (vhi > outW) vhi = outW;
    long oh = q0 / outW, ow = q0 - oh * outW;
    long j = 0;  // position in the output row segment
    while (len > 0) {
      long run = lmin(len, outW - ow);
      long ih = oh * sH + offH;
      if (ih < 0 || ih >= H || vlo >= vhi) {
        sink.zero(j, run);
      } else {
        const float* xr = xs + ih * W + offW;
        long a = lmin(lmax(ow, vlo), ow + run), b = lmax(lmin(ow + run, vhi), a);
        if (a > ow) sink.zero(j, a - ow);
        if (b > a) sink.copy(j + (a - ow), xr + a * sW, sW, b - a);
        if (ow + run > b) sink.zero(j + (b - ow), ow + run - b);
      }
      j += run;
      len -= run;
      ow = 0;
      oh++;
    }
  }
};

// B = im2col (rows r, columns q): forward convolution. Each row is gathered into a
// contiguous buffer (vector copies of whole image rows), then split into NR-wide panels.
struct ColB {
  Im2col im;
  void pack(float* dst, long p0, long kc, long j0, long nc) const {
    float row[NC + NR] __attribute__((aligned(64)));
    long full = nc / NR * NR;
    for (long q = 0; q < kc; q++) {
      im.colRow(p0 + q, j0, nc, LinearSink{row});
      for (long jr = 0; jr < full; jr += NR) {
        float* dq = dst + jr * kc + q * NR;
#pragma GCC unroll 8
        for (int j = 0; j < NRV; j++) *(vf*)(dq + j * CK_VW) = *(const vf*)(row + jr + j * CK_VW);
      }
      if (full < nc) {
        float* dq = dst + full * kc + q * NR;
        long j = 0;
        for (; j < nc - full; j++) dq[j] = row[full + j];
        for (; j < NR; j++) dq[j] = 0.f;
      }
    }
  }
};

// B = im2col transposed (rows q, columns r): weight gradient. NR im2col rows are gathered
// contiguously (vector copies of runs), then transposed into the panel in L1-sized pieces.
struct ColTB {
  Im2col im;
  void pack(float* dst, long p0, long kc, long j0, long nc) const {
    const long QB = 64;
    float rows[NR][QB] __attribute__((aligned(64)));
    for (long jr = 0; jr < nc; jr += NR) {
      long nr = lmin(NR, nc - jr);
      float* d = dst + jr * kc;
      for (long q0 = 0; q0 < kc; q0 += QB) {
        long qn = lmin(QB, kc - q0);
        for (long j = 0; j < nr; j++) im.colRow(j0 + jr + j, p0 + q0, qn, LinearSink{rows[j]});
        for (long j = nr; j < NR; j++)
          for (long q = 0; q < qn; q++) rows[j][q] = 0.f;
        for (long q = 0; q < qn; q++) {
          float* dq = d + (q0 + q) * NR;
#pragma GCC unroll 32
          for (int j = 0; j < NR; j++) dq[j] = rows[j][q];
        }
      }
    }
  }
};

// ---- drivers --------------------------------------------------------------------------

// C[i0:i1, j0:j1] = alpha * A * B (+ init rule) over the full k, single thread.
template <class AS, class BS>
static void gemmBlock(long i0, long i1, long j0, long j1, long k, float alpha, const AS& A, const BS& B, int init,
                      float beta, float* C, long ldc, const float* bias) {
  if (i1 <= i0 || j1 <= j0) return;
  if (k == 0) {
    for (long i = i0; i < i1; i++)
      for (long j = j0; j < j1; j++) {
        float& c = C[i * ldc + j];
        if (init == INIT_OVERWRITE) c = 0.f;
        else if (init == INIT_BETA) c = beta * c;
        else if (init == INIT_BIAS) c = bias[i];
      }
    return;
  }
  float* pa = packBufA();
  float* pb = packBufB();
  // few rows (convolutions): B blocks of about 640 columns, which stay in L2 while the rows sweep them
  long ncBlock = NC;
  if (i1 - i0 <= MC) {
    long blocks = (j1 - j0 + 639) / 640;
    ncBlock = lmin(NC, ((j1 - j0 + blocks - 1) / blocks + NR - 1) / NR * NR);
  }
  for (long jc = j0; jc < j1; jc += ncBlock) {
    long nc = lmin(ncBlock, j1 - jc);
    for (long pc = 0; pc < k; pc += KC) {
      long kc = lmin(KC, k - pc);
      B.pack(pb, pc, kc, jc, nc);
      int mode = pc == 0 ? init : INIT_ACCUM;
      for (long ic = i0; ic < i1; ic += MC) {
        long mc = lmin(MC, i1 - ic);
        const float* pA = A.packed(pa, ic, mc, pc, kc);
        for (long jr = 0; jr < nc; jr += NR) {
          int nr = (int)lmin(NR, nc - jr);
          for (long ir = 0; ir < mc; ir += MR) {
            int mr = (int)lmin(MR, mc - ir);
            ukernel(kc, pA + ir * kc, pb + jr * kc, C + (ic + ir) * ldc + jc + jr, ldc, mr, nr, alpha, mode, beta,
                    bias ? bias + ic + ir : nullptr);
          }
        }
      }
    }
  }
}

// Work below this many flops runs on the calling thread only.
static const double kParallelFlops = 1.5e6;

static int threadsFor(double flops) { return flops >= kParallelFlops ? ck_threads() : 1; }

// One GEMM split over `parts` tasks along its longer dimension (aligned to the tile).
template <class AS, class BS>
static void gemmParallel(long m, long n, long k, float alpha, const AS& A, const BS& B, int init, float beta, float* C,
                         long ldc, const float* bias, int parts) {
  if (parts <= 1) { gemmBlock(0, m, 0, n, k, alpha, A, B, init, beta, C, ldc, bias); return; }
  bool splitN = n >= m;
  // More pieces than threads, so that a thread descheduled on a busy machine holds up only
  // a small piece, where that is cheap: every piece repacks the whole other operand, which
  // costs about 60 flops' time per element, so allow one piece per ~600 split rows/columns.
  double flops = 2.0 * m * n * k;
  long want = lmin((splitN ? n : m) / 600, (long)(flops / 1.6e7));
  if (want > 4L * parts) want = 4L * parts;
  if (want > parts) parts = (int)want;
  long len = splitN ? n : m, unit = splitN ? NR : MR;
  long units = (len + unit - 1) / unit;
  if (units < parts) parts = (int)units;
  auto task = [&](long t) {
    long u0 = units * t / parts, u1 = units * (t + 1) / parts;
    long a = lmin(u0 * unit, len), b = lmin(u1 * unit, len);
    if (splitN) gemmBlock(0, m, a, b, k, alpha, A, B, init, beta, C, ldc, bias);
    else gemmBlock(a, b, 0, n, k, alpha, A, B, init, beta, C, ldc, bias);
  };
  parallelFor(parts, task);
}
