// The doc-test runner (scripts/doctest.mjs) on small Markdown files: outputs asserted with `...`
// wildcards, a wrong output reported with the expected/actual diff at file:line, doctest-limit
// substitutions applied in CI mode (and a stale one refused), --full running blocks as written,
// type errors reported at the Markdown line, sh doctest blocks with `convkit` on the PATH, files
// shared between the blocks of one page, hidden setup blocks, ts browser blocks bundled.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'convkit-doctest-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fence = '```';
function page(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function doctest(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'doctest.mjs'), '--jobs', '1', ...args], {
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const good = page(
  'good.md',
  `# A page

${fence}ts
import { manualSeed, randn } from 'convkit';
import { writeFileSync } from 'node:fs';

manualSeed(0);
const x = randn([3]);
console.log('shape', x.shape.join('x'));
for (let i = 0; i < 4; i++) console.log('line', i);
console.log('end   ');
writeFileSync('shared.txt', 'from block one');
${fence}

${fence}text output
shape 3
...
end
${fence}

<!-- hidden setup: runs, not rendered
${fence}ts
import { writeFileSync } from 'node:fs';
writeFileSync('hidden.txt', 'set up');
${fence}
-->

${fence}ts doctest-limit="epochs: 10 => epochs: 1"
import { readFileSync } from 'node:fs';
const config = { epochs: 10 };
console.log(readFileSync('shared.txt', 'utf8'), readFileSync('hidden.txt', 'utf8'), 'epochs', config.epochs);
${fence}

${fence}text output
from block one set up epochs 10
${fence}

${fence}sh doctest
convkit --version
${fence}

${fence}ts browser
import { tensor } from 'convkit';
document.body.textContent = tensor([1, 2]).sum().item().toFixed(1);
${fence}
`,
);

test('a passing page: wildcards, shared files, hidden setup, limits, sh and browser blocks', () => {
  const ci = doctest(good);
  assert.equal(ci.status, 0, ci.out);
  assert.match(ci.out, /ok {3}.*good\.md:3 ts, output asserted/);
  assert.match(ci.out, /good\.md:\d+ ts, limited/);
  assert.match(ci.out, /good\.md:\d+ sh/);
  assert.match(ci.out, /good\.md:\d+ ts browser \(typecheck \+ bundle\)/);
  assert.match(ci.out, /^5 passed, 0 failed$/m);
  // --full runs the limited block as written (epochs 10) and asserts its output
  const full = doctest('--full', good);
  assert.equal(full.status, 0, full.out);
  assert.match(full.out, /^5 passed, 0 failed$/m);
});

test('failures: a wrong output shows the diff, type errors and a stale limit name the Markdown line', () => {
  const bad = page(
    'bad.md',
    `# Bad

${fence}ts
console.log('one');
console.log('two');
${fence}

${fence}text output
one
three
${fence}

${fence}ts
const n: number = 'not a number';
console.log(n);
${fence}

${fence}ts doctest-limit="epochs: 99 => epochs: 1"
console.log('epochs: 10');
${fence}

${fence}ts
throw new Error('boom at the end');
${fence}
`,
  );
  const r = doctest(bad);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /FAIL .*bad\.md:3 ts, output asserted/);
  assert.match(r.out, /stdout differs from the output block at .*bad\.md:8/);
  assert.match(r.out, /^ {6}one$/m);
  assert.match(r.out, /^ {4}- three$/m);
  assert.match(r.out, /^ {4}\+ two$/m);
  assert.match(r.out, /FAIL .*bad\.md:13 ts/);
  assert.match(r.out, /bad\.md:14: Type 'string' is not assignable to type 'number'/);
  assert.match(r.out, /doctest-limit: "epochs: 99" does not occur in the block/);
  assert.match(r.out, /FAIL .*bad\.md:22 ts/);
  assert.match(r.out, /boom at the end/);
  assert.match(r.out, /bad\.md:23/, 'the stack trace points at the Markdown line');
  assert.match(r.out, /^0 passed, 4 failed$/m);
});
