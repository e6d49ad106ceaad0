#!/usr/bin/env node
/**
 * The `convkit` command line (the commands are listed in registry.ts). Each subcommand parses its
 * own options with node:util parseArgs; errors print one line on stderr (exit 1, or 2 for
 * usage mistakes).
 */
import { packageVersion } from './commands/info.js';
import { CliFailure, parseArgsMessage, UsageError } from './options.js';
import { COMMANDS, findCommand, USAGE } from './registry.js';
import { envFlag } from '../platform.js';

/** Runs the CLI with the given arguments (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    const sub = cmd === 'help' && rest[0] !== undefined ? findCommand(rest[0]) : undefined;
    process.stdout.write((sub ? sub.usage : USAGE) + '\n');
    return 0;
  }
  if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
    process.stdout.write(packageVersion() + '\n');
    return 0;
  }
  const entry = findCommand(cmd);
  if (!entry) {
    process.stderr.write(
      `convkit: unknown command '${cmd}' (commands: ${COMMANDS.map((c) => c.name).join(', ')}; try convkit --help)\n`,
    );
    return 2;
  }
  try {
    return await entry.run(rest);
  } catch (e) {
    const parseMsg = parseArgsMessage(e);
    const usage = e instanceof UsageError || parseMsg !== null;
    // one line: the message, and for usage mistakes where to find the options
    const msg = (parseMsg ?? (e instanceof Error ? e.message : String(e))).replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`convkit ${cmd}: ${msg}${usage ? ` (see convkit ${cmd} --help)` : ''}\n`);
    if (rest.includes('--json')) {
      const details = e instanceof CliFailure ? e.details : {};
      process.stdout.write(JSON.stringify({ error: msg, exitCode: usage ? 2 : 1, ...details }) + '\n');
    }
    if (!usage && envFlag('CONVKIT_DEBUG') && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return usage ? 2 : 1;
  }
}

// `convkit ... | head` closes stdout early: stop quietly instead of crashing on EPIPE
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`convkit: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
