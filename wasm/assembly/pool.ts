// Max and average pooling, forward and backward, split across threads by (image, channel)
// plane. Geometry comes as i32 fields at `geo`, at the generated POOL2D_* byte offsets.
import {
  POOL2D_C, POOL2D_DILATION_H, POOL2D_DILATION_W, POOL2D_H, POOL2D_KH, POOL2D_KW, POOL2D_N, POOL2D_OUT_H, POOL2D_OUT_W,
  POOL2D_PAD_LEFT, POOL2D_PAD_TOP, POOL2D_STRIDE_H, POOL2D_STRIDE_W, POOL2D_W,
} from './generated/ops';

let PLANES: i32 = 0, H: i32 = 0, W: i32 = 0, KH: i32 = 0, KW: i32 = 0, SH: i32 = 1, SW: i32 = 1;
let PT: i32 = 0, PL: i32 = 0, DH: i32 = 1, DW: i32 = 1, OH: i32 = 0, OW: i32 = 0;

function loadGeometry(p: usize): void {
  PLANES = load<i32>(p + POOL2D_N) * load<i32>(p + POOL2D_C); H = load<i32>(p + POOL2D_H); W = load<i32>(p + POOL2D_W);
  KH = load<i32>(p + POOL2D_KH); KW = load<i32>(p + POOL2D_KW); SH = load<i32>(p + POOL2D_STRIDE_H);
  SW = load<i32>(p + POOL2D_STRIDE_W); PT = load<i32>(p + POOL2D_PAD_TOP); PL = load<i32>(p + POOL2D_PAD_LEFT);
  DH = load<i32>(p + POOL2D_DILATION_H); DW = load<i32>(p + POOL2D_DILATION_W); OH = load<i32>(p + POOL2D_OUT_H);
  OW = load<i32>(p + POOL2D_OUT_W);
}

// @ts-ignore: decorator
@inline function first(tid: i32, nt: i32): i32 { return <i32>(<i64>PLANES * tid / nt); }

/** Max pooling; padded cells never win; NaN wins and stops the window scan. */
export function maxPool2d(tid: i32, nt: i32, wid: i32, geo: usize, x: usize, y: usize, idx: usize): void {
  loadGeometry(geo);
  const p0 = first(tid, nt), p1 = first(tid + 1, nt);
  const hw = H * W, per = OH * OW;
  for (let p = p0; p < p1; p++) {
    const xp = x + (<usize>(p * hw) << 2);
    let o = <usize>(p * per) << 2;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * SH - PT;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * SW - PL;
        let best: f32 = -Infinity;
        let bi: i32 = -1;
        for (let i = 0; i < KH; i++) {
          const ih = h0 + i * DH;
          if (ih < 0 || ih >= H) continue;
          let stop = false;
          for (let j = 0; j < KW; j++) {
            const iw = w0 + j * DW;
            if (iw < 0 || iw >= W) continue;
            const v = load<f32>(xp + (<usize>(ih * W + iw) << 2));
            if (v > best || isNaN<f32>(v) || bi < 0) {
              best = v; bi = ih * W + iw;
              if (isNaN<f32>(v)) { stop = true; break; }
            }
          }
          if (stop) break;
        }
        store<f32>(y + o, best);
        store<i32>(idx + o, bi);
        o += 4;
      }
    }
  }
}

/** dx[plane, indices] += dy, overwriting dx. */
export function maxPool2dBackward(tid: i32, nt: i32, wid: i32, geo: usize, dy: usize, idx: usize, dx: usize): void {
  loadGeometry(geo);
  const p0 = first(tid, nt), p1 = first(tid + 1, nt);
  const hw = H * W, per = OH * OW;
  for (let p = p0; p < p1; p++) {
    const dxp = dx + (<usize>(p * hw) << 2);
    memory.fill(dxp, 0, <usize>hw << 2);
    const base = <usize>(p * per) << 2;
    for (let o = 0; o < per; o++) {
      const off = base + (<usize>o << 2);
      const i = load<i32>(idx + off);
      if (i >= 0) {
        const d = dxp + (<usize>i << 2);
        store<f32>(d, load<f32>(d) + load<f32>(dy + off));
      }
    }
  }
}

function windowCount(h0: i32, w0: i32, includePad: bool): f32 {
  if (includePad) {
    const hEnd = min<i32>(h0 + (KH - 1) * DH + 1, H + PT);
    const wEnd = min<i32>(w0 + (KW - 1) * DW + 1, W + PL);
    return <f32>(((hEnd - h0 + DH - 1) / DH) * ((wEnd - w0 + DW - 1) / DW));
  }
  let cnt = 0;
  for (let i = 0; i < KH; i++) {
    const ih = h0 + i * DH;
    if (ih < 0 || ih >= H) continue;
    for (let j = 0; j < KW; j++) { const iw = w0 + j * DW; if (iw >= 0 && iw < W) cnt++; }
  }
  return <f32>cnt;
}

/** Average pooling. */
export function avgPool2d(tid: i32, nt: i32, wid: i32, geo: usize, includePad: i32, x: usize, y: usize): void {
  loadGeometry(geo);
  const p0 = first(tid, nt), p1 = first(tid + 1, nt);
  const hw = H * W, per = OH * OW;
  for (let p = p0; p < p1; p++) {
    const xp = x + (<usize>(p * hw) << 2);
    let o = y + (<usize>(p * per) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * SH - PT;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * SW - PL;
        let s: f32 = 0;
        for (let i = 0; i < KH; i++) {
          const ih = h0 + i * DH;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < KW; j++) {
            const iw = w0 + j * DW;
            if (iw >= 0 && iw < W) s += load<f32>(xp + (<usize>(ih * W + iw) << 2));
          }
        }
        store<f32>(o, s / windowCount(h0, w0, includePad != 0));
        o += 4;
      }
    }
  }
}

/** Spreads each dy evenly over its window, overwriting dx. */
export function avgPool2dBackward(tid: i32, nt: i32, wid: i32, geo: usize, includePad: i32, dy: usize, dx: usize): void {
  loadGeometry(geo);
  const p0 = first(tid, nt), p1 = first(tid + 1, nt);
  const hw = H * W, per = OH * OW;
  for (let p = p0; p < p1; p++) {
    const dxp = dx + (<usize>(p * hw) << 2);
    memory.fill(dxp, 0, <usize>hw << 2);
    let o = dy + (<usize>(p * per) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * SH - PT;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * SW - PL;
        const share = load<f32>(o) / windowCount(h0, w0, includePad != 0);
        o += 4;
        for (let i = 0; i < KH; i++) {
          const ih = h0 + i * DH;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < KW; j++) {
            const iw = w0 + j * DW;
            if (iw >= 0 && iw < W) {
              const d = dxp + (<usize>(ih * W + iw) << 2);
              store<f32>(d, load<f32>(d) + share);
            }
          }
        }
      }
    }
  }
}
