/**
 * Input-shape rules of the model registry: which sample shapes a model takes (`problem`, a
 * sentence or null) and, for images that do not fit, the [H, W] to resize them to (`resize`).
 */

/** What a model needs of a sample shape. */
export interface InputRule {
  /** Why the model cannot take samples of this shape, or null when it can. */
  problem(shape: readonly number[]): string | null;
  /** The [H, W] an image of this shape must be resized to, or null when it fits or resizing cannot help. */
  resize(shape: readonly number[]): [number, number] | null;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Any shape (dense models flatten it). */
export const anyShape: InputRule = { problem: () => null, resize: () => null };

/**
 * [C, H, W] images with H, W ≥ minSide and divisible by multipleOf; too small sides resize to
 * `standard` (≥ minSide), and sides are rounded up to the next multiple.
 */
export function imageRule(minSide: number, multipleOf = 1, standard = minSide): InputRule {
  const fits = (s: readonly number[]): boolean =>
    s.length === 3 && s[1] >= minSide && s[2] >= minSide && s[1] % multipleOf === 0 && s[2] % multipleOf === 0;
  const side = (v: number): number => Math.ceil(Math.max(v < minSide ? standard : v, 1) / multipleOf) * multipleOf;
  return {
    problem(s) {
      if (fits(s)) return null;
      const rule = multipleOf > 1 ? ` with H and W divisible by ${multipleOf}` : '';
      return `needs [C, H, W] images of at least ${minSide}x${minSide}${rule}, the dataset gives ${shapeText(s)}`;
    },
    resize: (s) => (s.length !== 3 || fits(s) ? null : [side(s[1]), side(s[2])]),
  };
}

/** [C, size, size] images exactly (and `channels` channels when given); other sizes resize to size x size. */
export function exactImageRule(size: number, channels?: number): InputRule {
  const badSize = (s: readonly number[]): boolean => s.length !== 3 || s[1] !== size || s[2] !== size;
  const badChannels = (s: readonly number[]): boolean => channels !== undefined && s[0] !== channels;
  return {
    problem(s) {
      if (badSize(s)) return `needs [C, ${size}, ${size}] images, the dataset gives ${shapeText(s)}`;
      if (badChannels(s)) return `needs ${channels}-channel images, the dataset gives ${s[0]}`;
      return null;
    },
    resize: (s) => (s.length === 3 && badSize(s) && !badChannels(s) ? [size, size] : null),
  };
}

/** [C, L] sequences (L ≥ minLength). */
export function sequenceRule(minLength = 1): InputRule {
  return {
    problem: (s) =>
      s.length === 2 && s[0] >= 1 && s[1] >= minLength
        ? null
        : `needs [C, L] sequences${minLength > 1 ? ` of at least ${minLength} steps` : ''}, the dataset gives ${shapeText(s)}`,
    resize: () => null,
  };
}
