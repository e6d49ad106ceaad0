/** Terminal colour for the CLI via util.styleText (Node >= 20.12), off for pipes and NO_COLOR. */
import * as util from 'node:util';
import { envFlag, getenv } from '../platform.js';

type Styler = (format: string | string[], text: string) => string;
const styleText = (util as unknown as { styleText?: Styler }).styleText;

/** Whether to colour text written to the given stream. */
export function useColor(stream: NodeJS.WriteStream): boolean {
  return typeof styleText === 'function' && stream.isTTY === true && !envFlag('NO_COLOR') && getenv('TERM') !== 'dumb';
}

/** Colours text when the stream is a terminal (e.g. paint(process.stdout, 'green', 'ok')). */
export function paint(stream: NodeJS.WriteStream, format: string | string[], text: string): string {
  return styleText && useColor(stream) ? styleText(format, text) : text;
}
