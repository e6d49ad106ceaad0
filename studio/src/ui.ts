/**
 * Small DOM helpers shared by the studio pages: element creation, labelled controls, number
 * formatting, number-grid parsing and an error box. Plain DOM on purpose (see the README's
 * "convkit studio" section for why no framework).
 */

/** Attributes and children of `el`. */
export type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element with attributes (`text` sets textContent; booleans toggle) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'class') node.className = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

let uid = 0;

/** A unique id for label/control pairs. */
export function nextId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A <label> + control pair in a wrapper div. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLDivElement {
  const id = control.id || nextId('f');
  control.id = id;
  const wrap = el('div', { class: 'field' }, el('label', { for: id, text: label }), control);
  if (hint) {
    const hid = `${id}-hint`;
    control.setAttribute('aria-describedby', hid);
    wrap.append(el('small', { id: hid, class: 'hint', text: hint }));
  }
  return wrap;
}

/** A <select> with [value, text] options (groups: [label, options][]). */
export function select(
  options:
    | readonly (readonly [string, string])[]
    | readonly (readonly [string, readonly (readonly [string, string])[]])[],
  value?: string,
  attrs: Attrs = {},
): HTMLSelectElement {
  const s = el('select', attrs);
  for (const o of options) {
    if (typeof o[1] === 'string') s.append(el('option', { value: o[0], text: o[1] as string }));
    else {
      const g = el('optgroup', { label: o[0] });
      for (const [v, t] of o[1] as readonly (readonly [string, string])[])
        g.append(el('option', { value: v, text: t }));
      s.append(g);
    }
  }
  if (value !== undefined) s.value = value;
  return s;
}

/** A number <input>. */
export function numberInput(value: number, min: number, max: number, attrs: Attrs = {}): HTMLInputElement {
  return el('input', { type: 'number', value, min, max, step: 1, inputmode: 'numeric', ...attrs });
}

/** A number as the lectures print it: integers plainly, others to at most 4 decimals; ASCII minus. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Object.is(v, -0)) return '0';
  if (Number.isInteger(v)) return String(v);
  const r = Number(v.toFixed(4));
  return String(r);
}

/**
 * Parses a grid of numbers typed by the user: rows on lines (or separated by ';'), values
 * separated by spaces or commas. Throws a RangeError naming the row and value at fault.
 */
export function parseGrid(text: string, what: string): number[][] {
  const rows = text
    .split(/[\n;]/)
    .map((r) => r.trim())
    .filter((r) => r.length > 0);
  if (rows.length === 0) throw new RangeError(`${what}: type at least one row of numbers`);
  if (rows.length > 16) throw new RangeError(`${what}: at most 16 rows here, got ${rows.length}`);
  const grid = rows.map((r, i) =>
    r.split(/[\s,]+/).map((tok) => {
      const n = Number(tok);
      if (tok === '' || !Number.isFinite(n)) throw new RangeError(`${what}: row ${i + 1} has '${tok}', not a number`);
      return n;
    }),
  );
  const w = grid[0].length;
  if (w > 16) throw new RangeError(`${what}: at most 16 values per row here, got ${w}`);
  grid.forEach((r, i) => {
    if (r.length !== w) throw new RangeError(`${what}: row ${i + 1} has ${r.length} values, row 1 has ${w}`);
  });
  return grid;
}

/** A grid back to text (one row per line). */
export function gridText(g: readonly (readonly number[])[]): string {
  return g.map((r) => r.map(fmt).join(' ')).join('\n');
}

/** An error box (role=alert) that shows or hides a message. */
export function errorBox(): { node: HTMLDivElement; show(msg: string | null): void } {
  const node = el('div', { class: 'error', role: 'alert', hidden: true });
  return {
    node,
    show(msg) {
      node.hidden = msg === null;
      node.textContent = msg ?? '';
    },
  };
}

/** A page: its route id, nav title, and a render function returning a cleanup. */
export interface Page {
  id: string;
  title: string;
  blurb: string;
  render(root: HTMLElement, params: URLSearchParams): (() => void) | undefined;
}

/** Reads the message of anything thrown. */
export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Every page in navigation order, filled in by main.ts (the home page lists them). */
export const PAGE_LIST: Page[] = [];

/** An integer with thousands separators (1,413,834). */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
