// `convkit explain` as users run it (node dist/cli/main.js; npm run build first): the lecture
// list, a replay that reports the note's slip with both values, --json, ad-hoc traces, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain } from '../../src/index.js';
import { root, runCli } from '../cli/run-cli.js';

const run = (...args: string[]) => runCli(root, ['explain', ...args]);

test('convkit explain lecture lists every id with a one-line title and marks the slips', () => {
  const r = run('lecture');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  for (const e of explain.listLectureExamples()) {
    const line = lines.find((l) => l.startsWith(`${e.id} `));
    assert.ok(line, `${e.id} is listed`);
    assert.ok(line.includes(e.title), `${e.id} has its title`);
    assert.equal(line.includes('slip'), e.slips > 0, `${e.id}: slip marker`);
  }
  const json = JSON.parse(run('lecture', '--json').stdout) as { id: string }[];
  assert.deepEqual(
    json.map((e) => e.id),
    explain.listLectureExamples().map((e) => e.id),
  );
});

test('convkit explain lecture <id> replays the example and prints both values of each slip', () => {
  const r = run('lecture', 'seed004.conv2d-5x5');
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /y\[2,1\] = 0\*1 \+ 2\*\(-1\) \+ 0\*0 \+ 12\*0 \+ 0\*2 \+ 1\*\(-2\) \+ 6\*\(-1\) \+ 3\*0 \+ 2\*2 = -6/,
  );
  assert.match(r.stdout, /SLIP at y\[2,1\]: the note prints -8; the right value is -6\./);
  const box = run('lecture', 'seed001.box-filter-1d');
  assert.match(box.stdout, /SLIP at h\(4\): the note prints 20; the right value is 23\.3333\./);
  const edge = run('lecture', 'seed000.vertical-edge');
  assert.match(edge.stdout, /the note prints 3x4; the right value is 4x4/);
  assert.match(edge.stdout, /the note prints 30; the right value is -30/);
  for (const { id } of explain.listLectureExamples()) {
    const one = run('lecture', id, '--json');
    assert.equal(one.status, 0, `${id}: ${one.stderr}`);
    const ex = JSON.parse(one.stdout) as explain.LectureExample;
    assert.deepEqual(ex.slips, explain.lectureExample(id).slips, `${id}: the CLI reports the library's slips`);
  }
});

test('convkit explain conv2d / maxpool2d / softmax trace ad-hoc inputs; --json gives the steps', () => {
  const r = run('conv2d', '--input', '1,0,3;0,3,4;1,0,2', '--kernel', '1 -1; 0 2', '--stride', '1');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /y\[0,0\] = 1\*1 \+ 0\*\(-1\) \+ 0\*0 \+ 3\*2 = 7/);
  const j = JSON.parse(run('conv2d', '--input', '[[1,2,3],[4,5,6]]', '--kernel', '[[1,1]]', '--flip', '--json').stdout);
  assert.deepEqual(j.output, [
    [3, 5],
    [9, 11],
  ]);
  assert.equal(j.operation, 'convolution');
  const p = run('maxpool2d', '--input', '3,0,1,0;0,1,8,12', '--kernel-size', '2');
  assert.match(p.stdout, /y\[0,1\] = max\(1, 0, 8, 12\) = 12 at x\[1,3\]/);
  assert.match(run('softmax', '--logits', '1,2,3', '--target', '2').stdout, /-log\(0\.6652\) = 0\.4076/);
});

test('convkit explain: usage errors exit 2 with one line naming the fix', () => {
  const unknown = run('lecture', 'seed004.nope');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no lecture example 'seed004\.nope'.*seed004\.conv2d-5x5/);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);
  const bad = run('conv2d', '--input', '1,2;3', '--kernel', '1');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--input row 2 has 1 values, row 1 has 2/);
  assert.equal(run('fft').status, 2);
  assert.equal(run().status, 2);
  const big = run('conv2d', '--input', '1,2', '--kernel', '1,2,3');
  assert.equal(big.status, 2);
  assert.match(big.stderr, /does not fit/);
});
