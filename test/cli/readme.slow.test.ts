// README.md and the CLI agree: every command line the README shows uses options that command's
// --help lists, the train paragraph names exactly the registry's models and train's flags, and
// the main command is a form that runs this checkout's build (not npx, which installs it again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelNames } from '../../src/models/registry.js';
import { datasetNames } from '../../src/data/registry.js';
import { root, runCli, tempDir } from './run-cli.js';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const dir = tempDir(test.after, 'convkit-readme-');
const CLI = 'node dist/cli/main.js';

/** The README's shell lines that run the CLI, without comments. */
function cliLines(): string[] {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.includes(`${CLI} `));
}

test("the README's main command runs this checkout's build, and the first block is the one the fresh-clone check runs", () => {
  const first = /```sh\n([^\n]*)\n/.exec(readme)?.[1].replace(/\s+#.*$/, '');
  assert.equal(first, `npm ci && ${CLI} train --model lenet5 --dataset mnist --epochs 1`);
  assert.doesNotMatch(
    readme.split('## Using it as a library')[0].replace(/`[^`\n]*npx convkit[^`\n]*`/g, ''),
    /^npx convkit/m,
    'no npx convkit command lines in the quick start',
  );
});

test("every option of every README command line is in that command's --help", () => {
  const lines = cliLines();
  assert.ok(lines.length >= 7, lines.join('\n'));
  const helps = new Map<string, string>();
  for (const line of lines) {
    const cmd = line
      .slice(line.indexOf(CLI) + CLI.length)
      .trim()
      .split(/\s+/)[0];
    if (cmd === '--help') continue;
    if (!helps.has(cmd)) {
      const h = runCli(dir, [cmd, '--help']);
      assert.equal(h.status, 0, `${cmd} --help: ${h.stderr}`);
      helps.set(cmd, h.stdout);
    }
    for (const flag of line.match(/--[a-z][a-z-]*/g) ?? []) {
      assert.ok(
        new RegExp(`(^|\\s)${flag}(\\s|$)`, 'm').test(helps.get(cmd) ?? ''),
        `README: '${line}' uses ${flag}, which '${cmd} --help' does not list`,
      );
    }
  }
});

test("the README's train paragraph names exactly the registry's models, the datasets and train's flags", () => {
  const para = readme.slice(readme.indexOf('`convkit train` takes'), readme.indexOf('In a terminal it shows'));
  const modelPart = para.slice(para.indexOf('`--model`'), para.indexOf('`--dataset`'));
  const datasetPart = para.slice(para.indexOf('`--dataset`'), para.indexOf('`--epochs`'));
  const ticked = (s: string): string[] => [...s.matchAll(/`([a-z0-9][a-z0-9-]*)`/g)].map((m) => m[1]);
  assert.deepEqual(ticked(modelPart), modelNames());
  assert.deepEqual(ticked(datasetPart), datasetNames());
  const help = runCli(dir, ['train', '--help']).stdout;
  const helpFlags = new Set(help.match(/^ {2}--[a-z-]+/gm)?.map((f) => f.trim()));
  const readmeFlags = new Set(para.match(/--[a-z][a-z-]*/g)?.filter((f) => f !== '--help'));
  assert.deepEqual([...readmeFlags].sort(), [...helpFlags].filter((f) => f !== '--help').sort());
});
