// The CLI reference (docs site) comes from the same registry as --help: every command is in the
// top-level help and the reference, with its help text verbatim, and every option a command
// parses is mentioned in its help text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliReferenceMarkdown, commandOptions } from '../../src/cli/reference.js';
import { COMMANDS, findCommand, USAGE } from '../../src/cli/registry.js';

test('every registered command is listed in convkit --help with its summary', () => {
  assert.ok(COMMANDS.length >= 16);
  for (const c of COMMANDS)
    assert.match(USAGE, new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  assert.equal(new Set(COMMANDS.map((c) => c.name)).size, COMMANDS.length, 'command names are unique');
  assert.equal(findCommand('train')?.name, 'train');
  assert.equal(findCommand('fly'), undefined);
});

test('every option a command parses is in its help text, and the reference holds each help text verbatim', async () => {
  const md = await cliReferenceMarkdown();
  const train = await commandOptions('train');
  for (const o of ['model', 'dataset', 'epochs', 'augment']) assert.ok(train.includes(o), `train parses --${o}`);
  assert.ok(!train.includes('help') && !train.includes('json'), 'the common flags are not listed per command');
  for (const c of COMMANDS) {
    assert.ok(md.includes(`\n## convkit ${c.name}\n`), `reference has a section for ${c.name}`);
    assert.ok(md.includes(`\n${c.usage}\n`), `reference holds convkit ${c.name} --help verbatim`);
    for (const o of await commandOptions(c.name)) assert.ok(md.includes(`\`--${o}\``), `${c.name} --${o} listed`);
  }
  await assert.rejects(() => commandOptions('fly'), /no command 'fly'/);
});
