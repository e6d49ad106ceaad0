/**
 * A CSV parser (RFC 4180): comma- (or other single-character-) separated fields, fields in
 * double quotes may contain separators, newlines and doubled quotes (""), lines end with LF or
 * CRLF, a final newline is optional. Malformed input (an unterminated quote, text after a
 * closing quote, a quote inside an unquoted field, rows of different lengths) gives an error
 * naming the source, line and column.
 */

/** Options of parseCsv. */
export interface CsvOptions {
  /** Field separator (one character); default ','. */
  delimiter?: string;
  /** Name of the source (a file name) used in error messages; default 'CSV'. */
  name?: string;
  /** Require every row to have the same number of fields as the first; default true. */
  rectangular?: boolean;
}

/** One CSV row and the line it starts on (1-based). */
export interface CsvRecord {
  /** The row's fields, unquoted. */
  fields: string[];
  /** The 1-based line the row starts on. */
  line: number;
}

/** Parses CSV text into rows of string fields; blank lines are skipped. */
export function parseCsv(text: string, options: CsvOptions = {}): string[][] {
  return parseCsvRecords(text, options).map((r) => r.fields);
}

/** Like parseCsv, but each row comes with its starting line number for later error messages. */
export function parseCsvRecords(text: string, options: CsvOptions = {}): CsvRecord[] {
  const delim = options.delimiter ?? ',';
  const name = options.name ?? 'CSV';
  if (delim.length !== 1 || delim === '"' || delim === '\n' || delim === '\r')
    throw new RangeError(
      `parseCsv: delimiter must be one character other than a quote or newline, got ${JSON.stringify(delim)}`,
    );
  const rows: CsvRecord[] = [];
  let row: string[] = [];
  let field = '';
  let line = 1,
    rowLine = 1;
  let i = 0;
  const n = text.length;
  let fieldStarted = false;
  const fail = (msg: string): never => {
    throw new Error(`parseCsv: ${name} line ${line}: ${msg}`);
  };
  const endRow = (): void => {
    if (row.length === 0 && !fieldStarted && field === '') return; // blank line
    row.push(field);
    rows.push({ fields: row, line: rowLine });
    if ((options.rectangular ?? true) && rows.length > 1 && row.length !== rows[0].fields.length) {
      line = rowLine;
      fail(`row has ${row.length} fields but the first row has ${rows[0].fields.length}`);
    }
    row = [];
    field = '';
    fieldStarted = false;
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      if (field !== '')
        fail(
          `a quote inside the unquoted field ${JSON.stringify(field)} (field ${row.length + 1}); quote the whole field`,
        );
      const startLine = line;
      i++;
      let closed = false;
      while (i < n) {
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      if (!closed) {
        line = startLine;
        fail(`unterminated quoted field (field ${row.length + 1})`);
      }
      fieldStarted = true;
      if (i < n && text[i] !== delim && text[i] !== '\n' && text[i] !== '\r')
        fail(`unexpected ${JSON.stringify(text[i])} after a closing quote (field ${row.length + 1})`);
      continue;
    }
    if (c === delim) {
      row.push(field);
      field = '';
      fieldStarted = true;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRow();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      rowLine = line;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  endRow();
  return rows;
}

/** A decimal number: optional sign, digits with an optional fraction, optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a field as a finite decimal number (surrounding spaces allowed), or throws naming the
 * source, line and column. Hexadecimal, binary, octal, `Infinity` and `NaN` are refused, although
 * JavaScript's Number() would accept them.
 */
export function csvNumber(value: string, name: string, line: number, column: number): number {
  const t = value.trim();
  const v = DECIMAL.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v))
    throw new Error(
      `parseCsv: ${name} line ${line}, column ${column}: ${JSON.stringify(value)} is not a number (only decimal numbers such as 1.5 or -2e3 are accepted)`,
    );
  return v;
}
