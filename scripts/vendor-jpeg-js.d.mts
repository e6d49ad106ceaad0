// Types of scripts/vendor-jpeg-js.mjs (for the tests that import it).
export const vendoredPath: string;
export function renderJpegJs(): string;
