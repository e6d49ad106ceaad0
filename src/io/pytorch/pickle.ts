/**
 * A restricted unpickler: the binary opcodes of pickle protocols 2 to 5 that `torch.save`'s
 * pickles use, building plain values (numbers, strings, tuples, lists, dicts) and nothing else.
 * Every GLOBAL, REDUCE, NEWOBJ, BUILD and persistent id goes through the caller's hooks, which
 * decide what a name means (src/io/pytorch/torch-globals.ts accepts only tensors and state
 * dicts); nothing from the file is ever looked up or run. Sizes are checked against the bytes
 * left, and the stack, memo and nesting are capped, so a hostile pickle is an error, not a hang.
 */
import { PyDict, PyGlobal, PySet, PyTuple, typeName, type PyValue } from './py-values.js';

/** What the caller decides: every name and every call goes through these. */
export interface UnpickleHooks {
  /** The meaning of a GLOBAL; throws for any name that is not allowed. */
  findClass(module: string, name: string): PyGlobal;
  /** The object behind a persistent id (BINPERSID). */
  persistentLoad(pid: PyValue): PyValue;
  /** REDUCE: callable(*args). */
  reduce(callable: PyValue, args: PyTuple): PyValue;
  /** NEWOBJ: cls.__new__(cls, *args). */
  newObj(cls: PyValue, args: PyTuple): PyValue;
  /** BUILD: obj.__setstate__(state). */
  build(obj: PyValue, state: PyValue): void;
}

/** Caps on a pickle's structures. */
export interface UnpickleLimits {
  /** Most values on the stack at once. */
  maxStack: number;
  /** Most memo entries. */
  maxMemo: number;
  /** Deepest MARK nesting. */
  maxMarks: number;
}

export const DEFAULT_UNPICKLE_LIMITS: UnpickleLimits = { maxStack: 1_000_000, maxMemo: 1_000_000, maxMarks: 10_000 };

/** Python 2 module names that protocol 2 pickles may use, as Python 3 names them. */
const MODULE_ALIASES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK',
  0x2e: 'STOP',
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
  0x46: 'FLOAT',
  0x49: 'INT',
  0x4c: 'LONG',
  0x50: 'PERSID',
  0x53: 'STRING',
  0x56: 'UNICODE',
  0x64: 'DICT',
  0x67: 'GET',
  0x69: 'INST',
  0x6c: 'LIST',
  0x6f: 'OBJ',
  0x70: 'PUT',
  0x92: 'NEWOBJ_EX',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** Unpickles `bytes` with `hooks`; `fail` throws an error naming the file. */
export function unpickle(
  bytes: Uint8Array,
  hooks: UnpickleHooks,
  fail: (msg: string) => never,
  limits: UnpickleLimits = DEFAULT_UNPICKLE_LIMITS,
): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  let op = 0;
  let opAt = 0;

  const bad = (msg: string): never => fail(`corrupt pickle (data.pkl byte ${opAt}, ${opName(op)}): ${msg}`);
  const need = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > bytes.length)
      bad(`needs ${n} more bytes but only ${bytes.length - pos} are left (truncated file?)`);
    const at = pos;
    pos += n;
    return at;
  };
  const push = (v: PyValue): void => {
    if (stack.length >= limits.maxStack) bad(`more than ${limits.maxStack} values on the stack`);
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) bad('stack underflow');
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) bad('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) return bad('no MARK to pop to');
    return stack.splice(m);
  };
  const str = (n: number): string => {
    const at = need(n);
    try {
      return utf8.decode(bytes.subarray(at, at + n));
    } catch {
      return bad('string is not valid UTF-8');
    }
  };
  const latin1 = (n: number): string => {
    const at = need(n);
    let s = '';
    for (let i = at; i < at + n; i++) s += String.fromCharCode(bytes[i]);
    return s;
  };
  const line = (): string => {
    const len = bytes.subarray(pos, pos + 257).indexOf(0x0a);
    if (len < 0) bad('GLOBAL name is not a short newline-terminated line');
    const s = latin1(len);
    pos++;
    return s;
  };
  const put = (i: number): void => {
    if (!memo.has(i) && memo.size >= limits.maxMemo) bad(`more than ${limits.maxMemo} memo entries`);
    memo.set(i, top());
  };
  const get = (i: number): void => {
    if (!memo.has(i)) bad(`memo entry ${i} is read before it is written`);
    push(memo.get(i) as PyValue);
  };
  const global = (module: string, name: string): PyGlobal => hooks.findClass(MODULE_ALIASES[module] ?? module, name);
  const dictOf = (target: PyValue, what: string): PyDict => {
    if (!(target instanceof PyDict)) return bad(`${what} on a ${typeName(target)}, not a dict`);
    return target;
  };
  const listOf = (target: PyValue, what: string): PyValue[] | PySet => {
    if (!Array.isArray(target) && !(target instanceof PySet))
      return bad(`${what} on a ${typeName(target)}, not a list`);
    return target;
  };
  const setItems = (d: PyDict, items: PyValue[]): void => {
    if (items.length % 2) bad('SETITEMS with an odd number of values');
    for (let i = 0; i < items.length; i += 2) d.map.set(key(items[i]), items[i + 1]);
  };
  const key = (k: PyValue): PyValue => {
    if (k === null || typeof k !== 'object' || k instanceof PyGlobal) return k;
    return bad(`dict key is a ${typeName(k)} (only strings, numbers and names are read as keys)`);
  };

  for (;;) {
    opAt = pos;
    op = bytes[need(1)];
    switch (op) {
      case 0x80: // PROTO
        if (bytes[need(1)] < 2) bad('protocol below 2 (torch.save writes protocol 2 or newer)');
        break;
      case 0x95: // FRAME: a length hint, the opcodes follow inline
        need(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0)
          bad(`ends with ${stack.length} values on the stack and ${marks.length} open MARKs`);
        return stack[0];
      case 0x28: // MARK
        if (marks.length >= limits.maxMarks) bad(`more than ${limits.maxMarks} nested MARKs`);
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        push(bytes[need(1)]);
        break;
      case 0x4d: // BININT2
        push(view.getUint16(need(2), true));
        break;
      case 0x8a: {
        // LONG1
        const n = bytes[need(1)];
        const at = need(n);
        push(long(bytes, at, at + n, bad));
        break;
      }
      case 0x8b: {
        // LONG4
        const n = view.getInt32(need(4), true);
        if (n < 0 || n > 64) bad(`LONG4 of ${n} bytes (only integers up to 64 bytes are read)`);
        const at = need(n);
        push(long(bytes, at, at + n, bad));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        push(str(view.getUint32(need(4), true)));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(str(bytes[need(1)]));
        break;
      case 0x8d: // BINUNICODE8
        push(str(u64(view, need(8))));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str: read as latin-1 text)
        push(latin1(bytes[need(1)]));
        break;
      case 0x54: // BINSTRING
        push(latin1(view.getInt32(need(4), true)));
        break;
      case 0x43: {
        // SHORT_BINBYTES
        const n = bytes[need(1)];
        const at = need(n);
        push(bytes.slice(at, at + n));
        break;
      }
      case 0x42: {
        // BINBYTES
        const n = view.getUint32(need(4), true);
        const at = need(n);
        push(bytes.slice(at, at + n));
        break;
      }
      case 0x8e: {
        // BINBYTES8
        const n = u64(view, need(8));
        const at = need(n);
        push(bytes.slice(at, at + n));
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x8f: // EMPTY_SET
        push(new PySet([]));
        break;
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop(),
          b = pop();
        push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x74: // TUPLE
        push(new PyTuple(popMark()));
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x91: // FROZENSET
        push(new PySet(popMark()));
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const l = listOf(top(), 'APPEND');
        (Array.isArray(l) ? l : l.items).push(v);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const l = listOf(top(), op === 0x65 ? 'APPENDS' : 'ADDITEMS');
        for (const v of items) (Array.isArray(l) ? l : l.items).push(v);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop(),
          k = pop();
        dictOf(top(), 'SETITEM').map.set(key(k), v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(dictOf(top(), 'SETITEMS'), items);
        break;
      }
      case 0x71: // BINPUT
        put(bytes[need(1)]);
        break;
      case 0x72: // LONG_BINPUT
        put(view.getUint32(need(4), true));
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        get(bytes[need(1)]);
        break;
      case 0x6a: // LONG_BINGET
        get(view.getUint32(need(4), true));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop(),
          module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') bad('STACK_GLOBAL needs two strings');
        push(global(module as string, name as string));
        break;
      }
      case 0x51: // BINPERSID
        push(hooks.persistentLoad(pop()));
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        if (!(args instanceof PyTuple)) bad(`REDUCE arguments are a ${typeName(args)}, not a tuple`);
        const callable = pop();
        push(hooks.reduce(callable, args as PyTuple));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        if (!(args instanceof PyTuple)) bad(`NEWOBJ arguments are a ${typeName(args)}, not a tuple`);
        const cls = pop();
        push(hooks.newObj(cls, args as PyTuple));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        hooks.build(top(), state);
        break;
      }
      default:
        bad(
          OPCODE_NAMES[op]
            ? `opcode ${OPCODE_NAMES[op]} is not read (torch.save does not write it; re-save with torch.save)`
            : `unknown opcode 0x${op.toString(16).padStart(2, '0')}`,
        );
    }
  }
}

function opName(op: number): string {
  return `opcode 0x${op.toString(16).padStart(2, '0')}`;
}

function u64(view: DataView, at: number): number {
  const v = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
  return Number.isSafeInteger(v) ? v : -1;
}

/** A little-endian two's-complement integer of bytes [at, end): a number when safe, a bigint otherwise. */
function long(bytes: Uint8Array, at: number, end: number, bad: (msg: string) => never): number | bigint {
  const n = end - at;
  if (n === 0) return 0;
  if (n > 64) bad(`integer of ${n} bytes (only integers up to 64 bytes are read)`);
  let v = 0n;
  for (let i = end - 1; i >= at; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[end - 1] & 0x80) v -= 1n << BigInt(8 * n);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
