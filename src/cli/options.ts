/** Option parsing helpers shared by the CLI commands. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { setBackend } from '../backend/index.js';

/** A mistake in the command line (printed as one line, exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure with structured details that --json prints next to the message (exit code 1). */
export class CliFailure extends Error {
  override name = 'CliFailure';
  constructor(
    message: string,
    readonly details: Record<string, string | number | null> = {},
  ) {
    super(message);
  }
}

/** node:util parseArgs' errors as one short line each (the same mistakes, exit code 2). */
export function parseArgsMessage(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS') || !(e instanceof Error)) return null;
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = quoted.split(/[ ,]/).find((w) => w.startsWith('--')) ?? quoted;
      if (/argument missing/.test(e.message)) return `option '${name}' needs a value`;
      if (/ambiguous/.test(e.message))
        return `option '${name}' needs a value; for one starting with '-' write ${name}=-VALUE`;
      return `option '${name}' takes no value`;
    }
    default:
      return e.message.split('\n')[0];
  }
}

/** Parses one of a fixed set of words. */
export function choiceOption<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value))
    throw new UsageError(
      `${name} must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}, got '${value}'`,
    );
  return value as T;
}

/** Parses an integer option >= min. */
export function intOption(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UsageError(`${name} must be an integer >= ${min}, got '${String(value)}'`);
  return n;
}

/** Parses a finite number option. */
export function numberOption(name: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${name} must be a number, got '${String(value)}'`);
  return n;
}

/** Applies --backend (js, wasm, native) if given. */
export function selectBackend(name: string | undefined): void {
  if (name === undefined) return;
  try {
    setBackend(name);
  } catch (e) {
    throw new UsageError(`--backend ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Runs a lookup (model or dataset by name) and turns its RangeError into a UsageError. */
export function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

/** The flags every command takes. */
const COMMON_FLAGS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The flags every command takes besides its own (their names, without --). */
export const COMMON_FLAG_NAMES: readonly string[] = Object.keys(COMMON_FLAGS);

type CommandConfig<O> = { args: string[]; options: O & typeof COMMON_FLAGS; strict: true; allowPositionals: boolean };
type ParsedCommand<O> = ReturnType<typeof parseArgs<CommandConfig<O>>>;

/** The option names (without --) each help text's command declared, by help text: filled by parseCommand. */
const declared = new Map<string, readonly string[]>();

/**
 * The options a command declared to parseCommand with this help text (once it has parsed an argv),
 * without the common --json and --help: the CLI reference checks each one is in the help text.
 */
export function declaredOptions(usage: string): readonly string[] | undefined {
  return declared.get(usage);
}

/**
 * Parses a command's flags (strict: an unknown flag is a usage error) plus --json and --help.
 * Prints `usage` and returns null for --help.
 */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  usage: string,
  { positionals = false } = {},
): ParsedCommand<O> | null {
  declared.set(usage, Object.keys(options));
  const parsed = parseArgs({
    args: argv,
    options: { ...options, ...COMMON_FLAGS },
    strict: true,
    allowPositionals: positionals,
  });
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  return parsed;
}
