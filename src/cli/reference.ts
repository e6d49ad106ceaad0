/**
 * The CLI reference page (Markdown) generated from the command registry: each command's summary
 * and its `--help` text verbatim, so the reference and `convkit <command> --help` cannot differ.
 * scripts/build-docs.mjs writes it into the docs site; it refuses a command whose help text does
 * not mention one of the options the command parses.
 */
import { COMMON_FLAG_NAMES, declaredOptions } from './options.js';
import { COMMANDS, EXAMPLES } from './registry.js';
import { datasetList, modelList } from './help.js';

/** The options (without --) a command parses, found by running it with --help (its help text is discarded). */
export async function commandOptions(name: string): Promise<readonly string[]> {
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd)
    throw new RangeError(`commandOptions: no command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  let code: number;
  try {
    code = await cmd.run(['--help']);
  } finally {
    process.stdout.write = write;
  }
  const options = declaredOptions(cmd.usage);
  if (code !== 0 || options === undefined)
    throw new Error(`commandOptions: convkit ${name} --help did not parse its options with its registered help text`);
  return options.filter((o) => !COMMON_FLAG_NAMES.includes(o));
}

/** Whether a help text mentions --name as a whole option name (not as the start of a longer one). */
function mentions(usage: string, option: string): boolean {
  const escaped = option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`--${escaped}(?![\\w-])`).test(usage);
}

/** A fenced Markdown block that its content cannot close. */
function fenced(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/**
 * The Markdown CLI reference: the command table, the models and datasets, then per command its
 * summary, its options and its help text. Throws when a command parses an option its help text
 * does not mention (the error names the command and the options).
 */
export async function cliReferenceMarkdown(): Promise<string> {
  const parts: string[] = [
    '# Command-line reference',
    '',
    "Generated from the CLI's command registry (`src/cli/registry.ts`) by `npm run docs`: each section is",
    'exactly what `convkit <command> --help` prints. Every command also takes `--help` (`-h`) and `--json`',
    '(errors, and results where the command has them, as one JSON object on stdout). Run `convkit` from',
    'a checkout as `node dist/cli/main.js` after `npm run build`.',
    '',
    '| command | what it does |',
    '|---|---|',
    ...COMMANDS.map((c) => `| [\`${c.name}\`](#convkit-${c.name}) | ${c.summary.replaceAll('|', '\\|')} |`),
    '',
    '## Models and datasets',
    '',
    'The `--model` and `--dataset` values every command accepts (from the model and dataset registries):',
    '',
    fenced(`models (--model):\n${modelList('  ')}\n\ndatasets (--dataset):\n${datasetList('  ')}`),
    '',
    '## Examples',
    '',
    fenced(EXAMPLES.join('\n')),
  ];
  for (const c of COMMANDS) {
    const options = await commandOptions(c.name);
    const missing = options.filter((o) => !mentions(c.usage, o));
    if (missing.length > 0)
      throw new Error(
        `cliReferenceMarkdown: convkit ${c.name} parses ${missing.map((o) => `--${o}`).join(', ')} but its help text does not mention ${missing.length === 1 ? 'it' : 'them'}`,
      );
    parts.push(
      '',
      `## convkit ${c.name}`,
      '',
      `${c.summary.charAt(0).toUpperCase()}${c.summary.slice(1)}.`,
      '',
      options.length > 0
        ? `Options: ${options.map((o) => `\`--${o}\``).join(', ')}.`
        : 'No options besides `--help` and `--json`.',
      '',
      fenced(c.usage),
    );
  }
  return `${parts.join('\n')}\n`;
}
