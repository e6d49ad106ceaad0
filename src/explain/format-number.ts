/** How explain prints a number: integers as they are, others to 4 decimals without trailing zeros. */

/** Formats v for a trace line ("-6", "23.3333", "0.5"); -0 prints as 0. */
export function num(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  const r = Number(v.toFixed(digits));
  if (Object.is(r, -0) || r === 0) return '0';
  return String(r);
}

/** A number in a sum: negatives in parentheses, "3 * (-1)". */
export function term(v: number): string {
  const s = num(v);
  return v < 0 && s !== '0' ? `(${s})` : s;
}

/** A list of numbers: "[1, 2, 3]". */
export function list(v: readonly number[]): string {
  return `[${v.map((x) => num(x)).join(', ')}]`;
}
