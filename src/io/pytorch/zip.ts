/**
 * A bounded reader for the zip archives `torch.save` writes (stored entries, data descriptors,
 * zip64 records). The central directory is parsed here, with every offset and size checked
 * against the file before anything is sliced or allocated (fflate's unzipSync trusts it: it
 * allocates the declared sizes and loops over the declared entry count); fflate's streaming
 * Inflate decompresses deflated entries (torch never writes them, a re-zipped file may have
 * them), stopped as soon as the output passes the declared size, so a zip bomb is an error
 * after at most a few MiB of work. CRC-32 is checked on every entry read.
 */
import { Inflate } from 'fflate';
import { nodeBuiltin } from '../../platform.js';

/** One file of the archive, as the central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's data (after its local header) in the archive. */
  dataOffset: number;
}

/** Limits of a ZipReader. */
export interface ZipLimits {
  /** Most bytes all entries read may decompress to, together. */
  maxTotalBytes: number;
  /** Most bytes all entries read may decompress to, as a multiple of the archive's size (zip bombs). */
  maxExpansion: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const CHUNK = 4096;

let crcTables: Uint32Array | undefined;

/** The 8 slicing-by-8 tables of CRC-32 (IEEE): table k maps a byte k positions back. */
function tables(): Uint32Array {
  if (crcTables) return crcTables;
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++)
    for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 0xff];
  crcTables = t;
  return t;
}

/** CRC-32 (IEEE) of bytes, as zip stores it: Node's zlib.crc32 when there is one, else slicing-by-8 in JS. */
export function crc32(bytes: Uint8Array): number {
  const zlib = nodeBuiltin('node:zlib') as { crc32?: (data: Uint8Array) => number } | null;
  if (typeof zlib?.crc32 === 'function') return zlib.crc32(bytes) >>> 0;
  return crc32Js(bytes);
}

/** CRC-32 in JS (slicing-by-8), for browsers and Node versions without zlib.crc32. */
export function crc32Js(bytes: Uint8Array): number {
  const t = tables();
  let c = 0xffffffff;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  for (; i < end8; i += 8) {
    const a = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c =
      t[1792 + (a & 0xff)] ^
      t[1536 + ((a >>> 8) & 0xff)] ^
      t[1280 + ((a >>> 16) & 0xff)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Whether bytes start like a zip archive (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** The entries of a zip archive, read on demand with size limits. */
export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;
  private used = 0;

  /** Parses the central directory; `fail` throws an error naming the file. */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: ZipLimits,
    private readonly fail: (msg: string) => never,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.parse();
  }

  private u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  private u64(at: number, what: string): number {
    const v = this.u32(at) + this.u32(at + 4) * 2 ** 32;
    if (!Number.isSafeInteger(v)) this.fail(`zip ${what} ${v} is out of range (corrupt file)`);
    return v;
  }

  private parse(): void {
    const b = this.bytes,
      len = b.length;
    let eocd = -1;
    for (let i = len - 22; i >= 0 && i >= len - 22 - 0xffff; i--) {
      if (this.u32(i) === SIG_EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0)
      this.fail(
        isZip(b)
          ? `zip archive has no end-of-central-directory record: the file is truncated (${len} bytes) or corrupt`
          : 'not a zip archive',
      );
    let count = this.u16(eocd + 10);
    let cdSize = this.u32(eocd + 12);
    let cdOffset = this.u32(eocd + 16);
    let cdEnd = eocd;
    if (eocd >= 20 && this.u32(eocd - 20) === SIG_LOC64) {
      const at = this.u64(eocd - 20 + 8, 'zip64 record offset');
      if (at + 56 > eocd - 20 || this.u32(at) !== SIG_EOCD64)
        this.fail(`zip64 end-of-central-directory record at ${at} is missing or out of range (corrupt file)`);
      count = this.u64(at + 32, 'entry count');
      cdSize = this.u64(at + 40, 'central directory size');
      cdOffset = this.u64(at + 48, 'central directory offset');
      cdEnd = at;
    }
    if (cdOffset + cdSize > cdEnd)
      this.fail(
        `zip central directory [${cdOffset}, ${cdOffset + cdSize}) runs past its end record at ${cdEnd} (truncated or corrupt file)`,
      );
    if (count * 46 > cdSize)
      this.fail(`zip says ${count} entries but its central directory has only ${cdSize} bytes (corrupt file)`);
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdOffset + cdSize || this.u32(p) !== SIG_CENTRAL)
        this.fail(`zip central directory entry ${i} at ${p} is malformed (corrupt file)`);
      const flags = this.u16(p + 8),
        method = this.u16(p + 10),
        crc = this.u32(p + 16);
      let compressedSize = this.u32(p + 20),
        size = this.u32(p + 24),
        local = this.u32(p + 42);
      const nameLen = this.u16(p + 28),
        extraLen = this.u16(p + 30),
        commentLen = this.u16(p + 32);
      const next = p + 46 + nameLen + extraLen + commentLen;
      if (next > cdOffset + cdSize)
        this.fail(`zip central directory entry ${i} runs past the directory (corrupt file)`);
      const name = new TextDecoder().decode(b.subarray(p + 46, p + 46 + nameLen));
      if (flags & 1) this.fail(`zip entry '${name}' is encrypted; torch.save never writes encrypted entries`);
      // zip64 extra field: the 64-bit values of the fields stored as 0xffffffff, in this order
      for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
        const id = this.u16(e),
          n = this.u16(e + 2);
        if (e + 4 + n > p + 46 + nameLen + extraLen) this.fail(`zip entry '${name}' has a malformed extra field`);
        if (id === 1) {
          let q = e + 4;
          const take = (what: string): number => {
            if (q + 8 > e + 4 + n) this.fail(`zip entry '${name}' has a short zip64 field`);
            const v = this.u64(q, what);
            q += 8;
            return v;
          };
          if (size === 0xffffffff) size = take('size');
          if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
          if (local === 0xffffffff) local = take('header offset');
        }
        e += 4 + n;
      }
      if (local + 30 > cdOffset || this.u32(local) !== SIG_LOCAL)
        this.fail(`zip entry '${name}': no local header at offset ${local} (corrupt file)`);
      const dataOffset = local + 30 + this.u16(local + 26) + this.u16(local + 28);
      if (dataOffset + compressedSize > cdOffset)
        this.fail(
          `zip entry '${name}' says ${compressedSize} bytes at offset ${dataOffset}, past the data area (${cdOffset} bytes): the file is truncated or corrupt`,
        );
      if (this.entries.has(name)) this.fail(`zip archive has two entries named '${name}' (corrupt or crafted file)`);
      this.entries.set(name, { name, method, crc32: crc, compressedSize, size, dataOffset });
      p = next;
    }
  }

  /**
   * The bytes of an entry (a view into the archive when stored), checked against its size and
   * CRC; `maxSize` caps this entry (what the caller expects at most).
   */
  read(name: string, maxSize = Number.MAX_SAFE_INTEGER): Uint8Array {
    const e = this.entries.get(name);
    if (!e) return this.fail(`zip archive has no entry '${name}'`);
    if (e.size > maxSize)
      this.fail(`zip entry '${name}' is ${e.size} bytes, more than the ${maxSize} expected (corrupt or crafted file)`);
    if (e.size > this.limits.maxTotalBytes - this.used)
      this.fail(
        `zip entry '${name}' would decompress to ${e.size} bytes, past the ${this.limits.maxTotalBytes}-byte limit ` +
          `(${this.used} already read): a zip bomb or a checkpoint larger than maxBytes allows`,
      );
    const cap = this.limits.maxExpansion * this.bytes.length + 2 ** 24;
    if (e.size > cap - this.used)
      this.fail(
        `zip entry '${name}' would decompress to ${e.size} bytes (${this.used} already read), more than ` +
          `${this.limits.maxExpansion}× the archive's ${this.bytes.length} bytes: a zip bomb (torch.save does not compress)`,
      );
    const raw = this.bytes.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
    let out: Uint8Array;
    if (e.method === 0) {
      if (e.size !== e.compressedSize)
        this.fail(
          `zip entry '${name}' is stored but its sizes differ (${e.compressedSize} vs ${e.size}): corrupt file`,
        );
      out = raw;
    } else if (e.method === 8) {
      out = this.inflate(e, raw);
    } else {
      return this.fail(
        `zip entry '${name}' uses compression method ${e.method}; only stored (0) and deflate (8) are read`,
      );
    }
    this.used += e.size;
    // torch 2.x with compute_crc32=False writes 0 there: nothing to check then
    if (e.crc32 !== 0 && crc32(out) !== e.crc32)
      this.fail(`zip entry '${name}' fails its CRC-32 check: the file is corrupt (re-download or re-save it)`);
    return out;
  }

  /** Inflates in small steps into a buffer that grows with the real output (never the declared size up front). */
  private inflate(e: ZipEntry, raw: Uint8Array): Uint8Array {
    let out = new Uint8Array(Math.min(e.size, 1 << 20));
    let at = 0,
      done = false;
    const inf = new Inflate((chunk, final) => {
      if (at + chunk.length > e.size)
        this.fail(
          `zip entry '${e.name}' inflates past its declared ${e.size} bytes: a zip bomb or corrupt file (stopped there)`,
        );
      if (at + chunk.length > out.length) {
        const grown = new Uint8Array(Math.min(e.size, Math.max(out.length * 2, at + chunk.length)));
        grown.set(out.subarray(0, at));
        out = grown;
      }
      out.set(chunk, at);
      at += chunk.length;
      if (final) done = true;
    });
    try {
      for (let i = 0; i < raw.length; i += CHUNK) inf.push(raw.subarray(i, i + CHUNK), i + CHUNK >= raw.length);
      if (raw.length === 0) inf.push(raw, true);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (msg.includes(`'${e.name}'`)) throw err;
      this.fail(`zip entry '${e.name}' is not valid deflate data (${msg}): corrupt file`);
    }
    if (!done || at !== e.size)
      this.fail(`zip entry '${e.name}' inflates to ${at} bytes, not the declared ${e.size}: truncated or corrupt`);
    return out;
  }
}
