// Winograd F(4x4, 3x3) forward convolution for 3x3, stride-1, undilated, ungrouped layers
// (Lavin & Gray 2016): every 4x4 output tile is A^T [ (G g G^T) . (B^T d B) ] A over its 6x6
// input patch d, so the 36 products of a tile cost 36 multiply-adds per (input, output)
// channel pair instead of 144. The products of all tiles of a block form 36 GEMMs,
// U_e (cOut x cIn) * V_e (cIn x tiles), run on the GEMM micro-kernel of gemm_impl.h.
// Included by kernels_impl.h inside the per-ISA namespace, before conv_impl.h (which calls it).
// Deterministic for any thread count: each block of tiles is computed by one task, in a fixed
// order, and the weights' transform does not depend on the thread count. Accuracy: within a
// few float32 rounding steps of the direct sum per term (the transforms' constants are small).

static const int WG_E = 36;  // products per tile (6 x 6)

// U_e[o][c] = (G g G^T)[e] for the 3x3 kernel g of output o and input c, computed in double,
// written straight into the 36 packed A operands (which share one layout).
static void winogradWeights(const float* w, long cOut, long cIn, PackedA* const* U, int T) {
  const double q4 = 1.0 / 4, q6 = 1.0 / 6, q12 = 1.0 / 12, q24 = 1.0 / 24;
  // a row panel and 32 input channels at a time into a staging block, then copied to each of
  // the 36 matrices in turn (writing all 36 at once would keep 36 streams in the same L1 sets)
  const long CB = 32;  // divides KC: a staged run never crosses a K block
  // one task per row panel (each writes only its own panel's part of the 36 matrices)
  auto panel = [&](long pI) {
    long o0 = pI * MR;
    float stage[WG_E][CB * MR];
    for (long c0 = 0; c0 < cIn; c0 += CB) {
      long cb = lmin(CB, cIn - c0);
      for (long c = c0; c < c0 + cb; c++)
        for (long o = o0; o < o0 + MR; o++) {
          long at = (c - c0) * MR + (o - o0);
          if (o >= cOut) {
            for (int e = 0; e < WG_E; e++) stage[e][at] = 0.f;
            continue;
          }
          const float* g = w + (o * cIn + c) * 9;
          double t[6][3], u[6][6];
          for (int j = 0; j < 3; j++) {
            double g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
            t[0][j] = g0 * q4;
            t[1][j] = -(g0 + g1 + g2) * q6;
            t[2][j] = -(g0 - g1 + g2) * q6;
            t[3][j] = g0 * q24 + g1 * q12 + g2 * q6;
            t[4][j] = g0 * q24 - g1 * q12 + g2 * q6;
            t[5][j] = g2;
          }
          for (int i = 0; i < 6; i++) {
            double g0 = t[i][0], g1 = t[i][1], g2 = t[i][2];
            u[i][0] = g0 * q4;
            u[i][1] = -(g0 + g1 + g2) * q6;
            u[i][2] = -(g0 - g1 + g2) * q6;
            u[i][3] = g0 * q24 + g1 * q12 + g2 * q6;
            u[i][4] = g0 * q24 - g1 * q12 + g2 * q6;
            u[i][5] = g2;
          }
          for (int i = 0; i < 6; i++)
            for (int s = 0; s < 6; s++) stage[i * 6 + s][at] = (float)u[i][s];
        }
      for (int e = 0; e < WG_E; e++) memcpy(U[e]->at(o0, c0, cIn), stage[e], (size_t)(cb * MR) * 4);
    }
  };
  long panels = (cOut + MR - 1) / MR;
  if (T > 1 && panels > 1) parallelFor(panels, panel);
  else for (long pI = 0; pI < panels; pI++) panel(pI);
}

// B^T applied to six vectors (one column or row of a patch).
static inline __attribute__((always_inline)) void wgInput1d(const vf* d, long ds, vf* v, long vs) {
  vf d0 = d[0], d1 = d[ds], d2 = d[2 * ds], d3 = d[3 * ds], d4 = d[4 * ds], d5 = d[5 * ds];
  vf a = d4 - d2, b = d3 - d1;
  v[0] = 4.f * d0 - 5.f * d2 + d4;
  v[vs] = d3 + d4 - 4.f * (d1 + d2);
  v[2 * vs] = d4 - d3 + 4.f * (d1 - d2);
  v[3 * vs] = a + 2.f * b;
  v[4 * vs] = a - 2.f * b;
  v[5 * vs] = 4.f * d1 - 5.f * d3 + d5;
}

// A^T applied to six vectors.
static inline __attribute__((always_inline)) void wgOutput1d(const vf* m, long ms, vf* o, long os) {
  vf m0 = m[0], m1 = m[ms], m2 = m[2 * ms], m3 = m[3 * ms], m4 = m[4 * ms], m5 = m[5 * ms];
  vf a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4;
  o[0] = m0 + a + c;
  o[os] = b + 2.f * d;
  o[2 * os] = a + 4.f * c;
  o[3 * os] = b + 8.f * d + m5;
}

// Whether a forward convolution runs as Winograd F(4x4, 3x3): the geometry it covers, and
// channel counts for which the 36 GEMMs outweigh the transforms (K = cIn, M = cOut).
static bool winogradSuits(const CkConvGeom& g) {
  return g.kh == 3 && g.kw == 3 && g.strideH == 1 && g.strideW == 1 && g.dilationH == 1 && g.dilationW == 1 &&
         g.groups == 1 && g.cIn >= 16 && g.cOut >= 16 && g.outH >= 4 && g.outW >= 4 && g.n >= 1;
}

// y = act(conv(x, w) + bias) by Winograd F(4x4, 3x3); relu = apply max(., 0) in the epilogue.
// Tiles are taken NR at a time (one micro-panel: the GEMMs' B operands stay in L1); their
// transformed inputs (36 x cIn x NR) are followed by the GEMMs and output transforms in
// chunks of output channels, whose products (36 x chunk x NR) stay in L2.
static void convWinograd(const float* x, const float* w, const float* bias, const CkConvGeom& g, int T, bool relu,
                         float* y) {
  long cIn = g.cIn, cOut = g.cOut, H = g.h, W = g.w, HW = H * W, P = g.outH * g.outW;
  long tH = (g.outH + 3) / 4, tW = (g.outW + 3) / 4, tPer = tH * tW, total = g.n * tPer;
  // weights: transformed once per call, each of the 36 matrices packed as the GEMM's A operand
  PackedA* packs[WG_E];
  for (int e = 0; e < WG_E; e++) packs[e] = new PackedA(cOut, cIn);
  winogradWeights(w, cOut, cIn, packs, T);
  // tiles per block: one micro-panel; two when the transformed weights are large (>= 4.7 MB:
  // the A panels, streamed from L3, then serve two B panels each), measured on Zen 3
  const long tb = cIn * cOut >= 32768 ? 2 * NR : NR;
  long blocks = (total + tb - 1) / tb;
  long oc = lmin(cOut, (64 + MR - 1) / MR * MR);  // output channels per chunk (whole row tiles)
  auto block = [&](long b) {
    long t0 = b * tb, nt = lmin(tb, total - t0);
    // planes of V and M: padded by a cache line, so the 36 planes do not share L1 sets
    long vE = cIn * tb + 16, mE = oc * tb + 16;
    float* V = scratch((size_t)(WG_E * (vE + mE) + 36 * tb + 36));
    float* M = V + WG_E * vE;
    float* strips = M + WG_E * mE;  // per channel: 6 input rows under each run of tiles of one tile row
    // tiles -> runs of consecutive tiles of one tile row (segments); tile j's patch starts at
    // strips + tileSrc[j], rows tileWs[j] apart
    long segIn[2 * NR], segIh[2 * NR], segIw[2 * NR], segW[2 * NR], segOff[2 * NR];
    long nseg = 0, used = 0;
    long tileSrc[2 * NR], tileWs[2 * NR], yoff[2 * NR];
    int rh[2 * NR], rw[2 * NR];
    for (long j = 0; j < nt; j++) {
      long t = t0 + j, nn = t / tPer, r = t - nn * tPer, ti = r / tW, tj = r - ti * tW;
      if (j == 0 || tj == 0) {  // a new run (blocks and tile rows start one)
        long cnt = lmin(nt - j, tW - tj);
        segIh[nseg] = 4 * ti - g.padTop;
        segIw[nseg] = 4 * tj - g.padLeft;
        segIn[nseg] = nn * cIn * HW;
        segW[nseg] = 4 * cnt + 2;
        segOff[nseg] = used;
        used += 6 * segW[nseg];
        nseg++;
      }
      long sg = nseg - 1;
      tileSrc[j] = segOff[sg] + 4 * tj - g.padLeft - segIw[sg];
      tileWs[j] = segW[sg];
      yoff[j] = nn * cOut * P + 4 * ti * g.outW + 4 * tj;
      rh[j] = (int)lmin(4, g.outH - 4 * ti);
      rw[j] = (int)lmin(4, g.outW - 4 * tj);
    }
    float* zeros = strips + used;  // a 6x6 patch of zeros for the padding lanes
    for (int q = 0; q < 36; q++) zeros[q] = 0.f;
    for (long j = nt; j < tb; j++) { tileSrc[j] = used; tileWs[j] = 6; }
    // input transform: V_e[c][tile] for every e, the GEMM's packed B operand (one micro-panel)
    for (long c = 0; c < cIn; c++) {
      for (long sg = 0; sg < nseg; sg++) {
        const float* xc = x + segIn[sg] + c * HW;
        long ws = segW[sg], iw0 = segIw[sg];
        long ka = lmin(lmax(0, -iw0), ws), kb = lmax(ka, lmin(ws, W - iw0));
        for (int i = 0; i < 6; i++) {
          float* dr = strips + segOff[sg] + i * ws;
          long ih = segIh[sg] + i;
          if (ih < 0 || ih >= H) { for (long k = 0; k < ws; k++) dr[k] = 0.f; continue; }
          for (long k = 0; k < ka; k++) dr[k] = 0.f;
          copyRun(dr + ka, xc + ih * W + iw0 + ka, kb - ka);
          for (long k = kb; k < ws; k++) dr[k] = 0.f;
        }
      }
      for (long j0 = 0; j0 < tb; j0 += CK_VW) {
        float df[36 * CK_VW] __attribute__((aligned(64)));
        for (int l = 0; l < CK_VW; l++) {
          const float* src = strips + tileSrc[j0 + l];
          long ws = tileWs[j0 + l];
#pragma GCC unroll 6
          for (int i = 0; i < 6; i++)
#pragma GCC unroll 6
            for (int k = 0; k < 6; k++) df[(i * 6 + k) * CK_VW + l] = src[i * ws + k];
        }
        vf d[36], tmp[36];
        for (int q = 0; q < 36; q++) d[q] = *(const vf*)(df + q * CK_VW);
        // rows of the patch, then its columns: tmp = d B, V = B^T tmp
        for (int i = 0; i < 6; i++) wgInput1d(d + i * 6, 1, tmp + i * 6, 1);
        float* dst = V + (j0 / NR) * cIn * NR + c * NR + j0 % NR;
        vf v[6];
        for (int s = 0; s < 6; s++) {
          wgInput1d(tmp + s, 6, v, 1);
          for (int r = 0; r < 6; r++) *(vf*)(dst + (r * 6 + s) * vE) = v[r];
        }
      }
    }
    for (long o0 = 0; o0 < cOut; o0 += oc) {
      long on = lmin(oc, cOut - o0);
      // the 36 GEMMs of this chunk: M_e (on x NR) = U_e[o0 .. o0+on) (on x cIn) * V_e (cIn x NR)
      for (int e = 0; e < WG_E; e++) {
        const float* Ve = V + e * vE;
        float* Me = M + e * mE;
        for (long pc = 0; pc < cIn; pc += KC) {
          long kc = lmin(KC, cIn - pc);
          int mode = pc == 0 ? INIT_OVERWRITE : INIT_ACCUM;
          for (long ir = 0; ir < on; ir += MR)
            for (long jp = 0; jp < tb; jp += NR)
              ukernel(kc, packs[e]->packed(nullptr, o0 + ir, 0, pc, kc), Ve + jp * cIn + pc * NR, Me + ir * tb + jp, tb,
                      (int)lmin(MR, on - ir), NR, 1.f, mode, 0.f, nullptr);
        }
      }
      // output transform, bias and activation, scattered to y
      for (long ol = 0; ol < on; ol++) {
        long o = o0 + ol;
        float bo = bias ? bias[o] : 0.f;
        for (long j0 = 0; j0 < nt; j0 += CK_VW) {
          vf tmp[24], out[16];
          const float* src = M + ol * tb + j0;
          for (int i = 0; i < 6; i++) {
            vf m[6];
            for (int s = 0; s < 6; s++) m[s] = *(const vf*)(src + (i * 6 + s) * mE);
            wgOutput1d(m, 1, tmp + i * 4, 1);
          }
          for (int s = 0; s < 4; s++) wgOutput1d(tmp + s, 4, out + s, 4);
          float of[16 * CK_VW] __attribute__((aligned(64)));
          for (int q = 0; q < 16; q++) {
            vf v = out[q] + bo;
            if (relu) v = v > 0.f ? v : (vf){};
            *(vf*)(of + q * CK_VW) = v;
          }
          for (int l = 0; l < CK_VW && j0 + l < nt; l++) {
            long j = j0 + l;
            float* yp = y + yoff[j] + o * P;
            if (rh[j] == 4 && rw[j] == 4) {
#pragma GCC unroll 4
              for (int i = 0; i < 4; i++)
#pragma GCC unroll 4
                for (int k = 0; k < 4; k++) yp[i * g.outW + k] = of[(i * 4 + k) * CK_VW + l];
            } else {
              for (int i = 0; i < rh[j]; i++)
                for (int k = 0; k < rw[j]; k++) yp[i * g.outW + k] = of[(i * 4 + k) * CK_VW + l];
            }
          }
        }
      }
    }
  };
  if (T > 1 && blocks > 1) parallelFor(blocks, block);
  else for (long b = 0; b < blocks; b++) block(b);
  for (int e = 0; e < WG_E; e++) delete packs[e];
}

// ---- weight gradient ---------------------------------------------------------------------
// The forward map is linear in the kernel: y_tile = A^T [(G g G^T) . V] A, so
// dW[o][c] = G^T [ sum over tiles of (A dy_o A^T) . V_c ] G: for every e one GEMM
// Z_e (cOut x cIn) += DY_e (cOut x tiles) * V_e^T (tiles x cIn) whose reduction runs over the
// tiles of the whole batch, then a 6x6 -> 3x3 transform of each Z[o][c].

// A applied to four vectors (a column or row of an output-gradient tile): six vectors.
static inline __attribute__((always_inline)) void wgGrad1d(const vf* q, long qs, vf* m, long ms) {
  vf q0 = q[0], q1 = q[qs], q2 = q[2 * qs], q3 = q[3 * qs];
  vf a = q0 + q2, b = q1 + q3, c = q0 + 4.f * q2, d = 2.f * q1 + 8.f * q3;
  m[0] = q0;
  m[ms] = a + b;
  m[2 * ms] = a - b;
  m[3 * ms] = c + d;
  m[4 * ms] = c - d;
  m[5 * ms] = q3;
}

// G^T z for six values (double, four lanes of (o, c) pairs): three. Multiplications by the
// reciprocals, not divisions (a division per term cost more than the weight gradient's GEMMs).
typedef double vd4 __attribute__((vector_size(32)));
static inline void wgKernel1d(const vd4* z, long zs, vd4* r, long rs) {
  const double q6 = 1.0 / 6, q12 = 1.0 / 12, q24 = 1.0 / 24;
  vd4 z1 = z[zs], z2 = z[2 * zs], z3 = z[3 * zs], z4 = z[4 * zs];
  r[0] = z[0] * 0.25 - (z1 + z2) * q6 + (z3 + z4) * q24;
  r[rs] = (z2 - z1) * q6 + (z3 - z4) * q12;
  r[2 * rs] = (z3 + z4 - z1 - z2) * q6 + z[5 * zs];
}

// Transformed input and output gradient of tile t, as row j of the staging planes: V_e row j
// (cInP floats) and DY_e row j (cOutP floats) for every e; channels past cIn / cOut are zeros.
static void wgGradTile(const float* x, const float* dy, const CkConvGeom& g, long t, long j, float* Vs, long vE,
                       long cInP, float* Ds, long dE, long cOutP) {
  long cIn = g.cIn, cOut = g.cOut, H = g.h, W = g.w, HW = H * W, P = g.outH * g.outW;
  long tW = (g.outW + 3) / 4, tPer = (g.outH + 3) / 4 * tW;
  long nn = t / tPer, r = t - nn * tPer, ti = r / tW, tj = r - ti * tW;
  long ih = 4 * ti - g.padTop, iw = 4 * tj - g.padLeft;
  int ia = (int)lmax(0, -ih), ib = (int)lmax(ia, lmin(6, H - ih));
  int ka = (int)lmax(0, -iw), kb = (int)lmax(ka, lmin(6, W - iw));
  bool full = ia == 0 && ib == 6 && ka == 0 && kb == 6;
  const float* xt = x + nn * cIn * HW + ih * W + iw;
  for (long c0 = 0; c0 < cIn; c0 += CK_VW) {
    float df[36 * CK_VW] __attribute__((aligned(64)));
    for (int l = 0; l < CK_VW; l++) {
      const float* src = xt + (c0 + l) * HW;
      if (c0 + l < cIn && full) {
#pragma GCC unroll 6
        for (int i = 0; i < 6; i++)
#pragma GCC unroll 6
          for (int k = 0; k < 6; k++) df[(i * 6 + k) * CK_VW + l] = src[i * W + k];
      } else {
        for (int q = 0; q < 36; q++) df[q * CK_VW + l] = 0.f;
        if (c0 + l < cIn)
          for (int i = ia; i < ib; i++)
            for (int k = ka; k < kb; k++) df[(i * 6 + k) * CK_VW + l] = src[i * W + k];
      }
    }
    vf d[36], tmp[36], v[6];
    for (int q = 0; q < 36; q++) d[q] = *(const vf*)(df + q * CK_VW);
    for (int i = 0; i < 6; i++) wgInput1d(d + i * 6, 1, tmp + i * 6, 1);
    float* dst = Vs + j * cInP + c0;
    for (int s = 0; s < 6; s++) {
      wgInput1d(tmp + s, 6, v, 1);
      for (int r2 = 0; r2 < 6; r2++) *(vf*)(dst + (r2 * 6 + s) * vE) = v[r2];
    }
  }
  int rh = (int)lmin(4, g.outH - 4 * ti), rw = (int)lmin(4, g.outW - 4 * tj);
  const float* dyt = dy + nn * cOut * P + 4 * ti * g.outW + 4 * tj;
  for (long o0 = 0; o0 < cOut; o0 += CK_VW) {
    float qf[16 * CK_VW] __attribute__((aligned(64)));
    for (int l = 0; l < CK_VW; l++) {
      const float* src = dyt + (o0 + l) * P;
      if (o0 + l < cOut && rh == 4 && rw == 4) {
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++)
#pragma GCC unroll 4
          for (int k = 0; k < 4; k++) qf[(i * 4 + k) * CK_VW + l] = src[i * g.outW + k];
      } else {
        for (int q = 0; q < 16; q++) qf[q * CK_VW + l] = 0.f;
        if (o0 + l < cOut)
          for (int i = 0; i < rh; i++)
            for (int k = 0; k < rw; k++) qf[(i * 4 + k) * CK_VW + l] = src[i * g.outW + k];
      }
    }
    vf q[16], tmp[24], m[6];
    for (int i = 0; i < 16; i++) q[i] = *(const vf*)(qf + i * CK_VW);
    for (int i = 0; i < 4; i++) wgGrad1d(q + i * 4, 1, tmp + i * 6, 1);  // rows: 4 -> 6
    float* dst = Ds + j * cOutP + o0;
    for (int s = 0; s < 6; s++) {
      wgGrad1d(tmp + s, 6, m, 1);  // columns: 4 -> 6
      for (int r2 = 0; r2 < 6; r2++) *(vf*)(dst + (r2 * 6 + s) * dE) = m[r2];
    }
  }
}

// Most tiles per chunk of the weight gradient's reduction (the GEMMs' K), and most floats of
// its staging (the transformed tiles of one chunk, 36 planes each of V and DY). 128 tiles:
// the staging a chunk writes is still in cache when its GEMMs read it (measured on Zen 3,
// Fashion b32 128->128 14x14: 512 tiles in one chunk 8.1 ms, chunks of 128 6.5 ms, of 64 6.5).
static const long kWgGradTiles = 128, kWgGradStage = 8L << 20;

// dW of a 3x3 stride-1 convolution (winogradSuits) by Winograd. The batch's tiles are cut
// into chunks of about kWgGradTiles, each
// transformed in parallel over tiles, then the 36 GEMMs Z_e (+)= DY_e * V_e^T run as one task
// per e with K = the chunk's tiles, and the chunks accumulate in order. Nothing is split over
// a reduction, so the result does not depend on the thread count at all.
static void convWinogradBwdWeight(const float* x, const float* dy, const CkConvGeom& g, int T, float* dw) {
  long cIn = g.cIn, cOut = g.cOut;
  long tH = (g.outH + 3) / 4, tW = (g.outW + 3) / 4, total = g.n * tH * tW;
  long cInP = (cIn + CK_VW - 1) / CK_VW * CK_VW, cOutP = (cOut + CK_VW - 1) / CK_VW * CK_VW;
  long kMax = lmax(CK_VW, lmin(kWgGradTiles, kWgGradStage / (WG_E * (cInP + cOutP))));
  long chunks = (total + kMax - 1) / kMax, kt = (total + chunks - 1) / chunks;
  // Z[o][e][c]: the 36 values of one (o, c) pair lie in one row of 36 x cIn floats, which the
  // final transform reads in order (36 planes apart, they were 36 cache misses per pair)
  long zE = cOut * cIn;
  long vE = kt * cInP + 16, dE = kt * cOutP + 16;
  // the calling thread's growable scratch (kept between calls: no fresh pages to fault in)
  float* Z = scratch2((size_t)(WG_E * zE));
  float* Vs = scratch((size_t)(WG_E * (vE + dE)));
  float* Ds = Vs + WG_E * vE;
  for (long c = 0; c < chunks; c++) {
    long t0 = c * kt, nt = lmin(kt, total - t0);
    // transform: 16 tiles per task
    long tt = (nt + 15) / 16;
    auto tiles = [&](long b) {
      for (long j = b * 16, e = lmin(nt, j + 16); j < e; j++) wgGradTile(x, dy, g, t0 + j, j, Vs, vE, cInP, Ds, dE, cOutP);
    };
    if (T > 1 && tt > 1) parallelFor(tt, tiles);
    else for (long b = 0; b < tt; b++) tiles(b);
    // Z_e (cOut x cIn) (+)= DY_e (cOut x nt) * V_e^T (nt x cIn)
    int init = c == 0 ? INIT_OVERWRITE : INIT_ACCUM;
    auto gemms = [&](long e) {
      gemmBlock(0, cOut, 0, cIn, nt, 1.f, MatA{Ds + e * dE, 1, cOutP}, MatB{Vs + e * vE, cInP, 1}, init, 0.f,
                Z + e * cIn, WG_E * cIn, nullptr);
    };
    if (T > 1) parallelFor(WG_E, gemms);
    else for (long e = 0; e < WG_E; e++) gemms(e);
  }
  // dW[o][c] = G^T Z[o][c] G, in parallel over runs of (o, c) pairs taken 16 at a time (within a row o)
  long perRow = (cIn + 15) / 16, groups = cOut * perRow, runs = lmin(groups, 8L * T);
  auto kernels = [&](long rI) {
    for (long gi = groups * rI / runs, gEnd = groups * (rI + 1) / runs; gi < gEnd; gi++) {
      long o = gi / perRow, c0 = (gi - o * perRow) * 16, cnt = lmin(16, cIn - c0), oc0 = o * cIn + c0;
      double z[36][16] __attribute__((aligned(32)));
      for (int e = 0; e < WG_E; e++)
        for (long l = 0; l < 16; l++) z[e][l] = l < cnt ? Z[(o * WG_E + e) * cIn + c0 + l] : 0.0;
      for (long l0 = 0; l0 < cnt; l0 += 4) {
        vd4 zl[36], tl[18], r[9];
        for (int e = 0; e < WG_E; e++) zl[e] = *(const vd4*)(z[e] + l0);
        for (int s = 0; s < 6; s++) wgKernel1d(zl + s, 6, tl + s, 6);  // columns of z: 6 rows -> 3 (t[a*6+s])
        for (int a = 0; a < 3; a++) wgKernel1d(tl + a * 6, 1, r + a * 3, 1);
        for (long l = l0; l < lmin(cnt, l0 + 4); l++)
          for (int q = 0; q < 9; q++) dw[(oc0 + l) * 9 + q] = (float)r[q][l - l0];
      }
    }
  };
  if (T > 1 && runs > 1) parallelFor(runs, kernels);
  else for (long rI = 0; rI < runs; rI++) kernels(rI);
}
