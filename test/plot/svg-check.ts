/** Test helpers: parse a figure's SVG as XML (fast-xml-parser) and decode and inspect its PNG. */
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decode } from 'fast-png';

/** One element of the parsed tree. */
export interface Node {
  tag: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

type Raw = Record<string, unknown>;

function build(raw: Raw[]): Node[] {
  const out: Node[] = [];
  for (const item of raw) {
    const tag = Object.keys(item).find((k) => k !== ':@');
    if (tag === undefined || tag === '#text') continue;
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries((item[':@'] as Record<string, unknown>) ?? {}))
      attrs[k.replace(/^@_/, '')] = String(v);
    const kids = (item[tag] as Raw[]) ?? [];
    const text = kids
      .filter((k) => '#text' in k)
      .map((k) => String(k['#text']))
      .join('');
    out.push({ tag, attrs, children: build(kids), text });
  }
  return out;
}

/** Parses an SVG document (asserting it is well-formed XML) and returns its root <svg>. */
export function parseSvg(svg: string): Node {
  const valid = XMLValidator.validate(svg);
  assert.equal(valid, true, `not well-formed XML: ${JSON.stringify(valid)}`);
  const raw = new XMLParser({
    ignoreAttributes: false,
    preserveOrder: true,
    processEntities: true,
    trimValues: false,
  }).parse(svg) as Raw[];
  const roots = build(raw);
  assert.equal(roots.length, 1, 'one root element');
  assert.equal(roots[0].tag, 'svg');
  assert.equal(roots[0].attrs.xmlns, 'http://www.w3.org/2000/svg');
  return roots[0];
}

/** Every element below `n` (depth first) that matches. */
export function findAll(n: Node, pred: (n: Node) => boolean): Node[] {
  const out: Node[] = [];
  const walk = (x: Node): void => {
    if (pred(x)) out.push(x);
    x.children.forEach(walk);
  };
  walk(n);
  return out;
}

/** Elements whose class list has `cls`. */
export function byClass(n: Node, cls: string): Node[] {
  return findAll(n, (x) => (x.attrs.class ?? '').split(/\s+/).includes(cls));
}

/** All text under an element, joined with '|'. */
export function texts(n: Node): string[] {
  return findAll(n, (x) => x.tag === 'text').map((t) => t.text);
}

/**
 * The parts every figure must have: a <title> and a visible title, x and y axes each with
 * tick labels and an axis label, and a legend with labels. Returns the parsed tree.
 */
export function assertFigure(
  svg: string,
  expect: { title: string; width: number; height: number; axes?: boolean; legend?: readonly string[] },
): Node {
  const root = parseSvg(svg);
  assert.equal(Number(root.attrs.width), expect.width, 'width');
  assert.equal(Number(root.attrs.height), expect.height, 'height');
  const title = root.children.find((c) => c.tag === 'title');
  assert.equal(title?.text, expect.title, '<title>');
  assert.deepEqual(texts(byClass(root, 'figure-title')[0]), [expect.title], 'the visible title');
  if (expect.axes !== false) {
    for (const axis of ['x-axis', 'y-axis']) {
      const groups = byClass(root, axis);
      assert.ok(groups.length > 0, `a ${axis}`);
      for (const g of groups) {
        assert.ok(byClass(g, 'tick-label').length >= 2, `${axis} has at least 2 tick labels`);
        const label = byClass(g, 'axis-label');
        assert.equal(label.length, 1, `${axis} has one label`);
        assert.ok(label[0].text.length > 0);
      }
    }
  }
  if (expect.legend) {
    const labels = byClass(root, 'legend').flatMap((l) => byClass(l, 'legend-label').map((t) => t.text));
    for (const want of expect.legend) assert.ok(labels.includes(want), `legend '${want}' in [${labels.join(', ')}]`);
  }
  return root;
}

/** Decodes PNG bytes and checks the size, that they are not blank and that the title band has ink. */
export function assertPng(
  png: Uint8Array,
  width: number,
  height: number,
  scale = 1,
): { data: ReturnType<typeof decode>['data']; channels: number } {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  const img = decode(png);
  assert.equal(img.width, width, 'PNG width');
  assert.equal(img.height, height, 'PNG height');
  const c = img.channels;
  const dark = (x: number, y: number): boolean => {
    const i = (y * img.width + x) * c;
    return img.data[i] < 128 && img.data[i + 1] < 128 && img.data[i + 2] < 128;
  };
  let ink = 0;
  const colours = new Set<number>();
  for (let y = 0; y < img.height; y += 2)
    for (let x = 0; x < img.width; x += 2) {
      const i = (y * img.width + x) * c;
      colours.add((img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2]);
      if (dark(x, y)) ink++;
    }
  assert.ok(colours.size > 8, `not blank: ${colours.size} colours`);
  assert.ok(ink > 50, `dark pixels (lines and text): ${ink}`);
  // the title is centred in the top 36 pixels: with no font it would be empty
  let titleInk = 0;
  for (let y = 6 * scale; y < Math.min(img.height, 34 * scale); y++)
    for (let x = Math.floor(img.width * 0.25); x < img.width * 0.75; x++) if (dark(x, y)) titleInk++;
  assert.ok(titleInk > 40, `the title's glyphs render (dark pixels in the title band: ${titleInk})`);
  return { data: img.data, channels: c };
}
