/** RFC 6901 JSON pointers: "/a/b~1c/0" -> ["a", "b/c", "0"]. */

/** Splits a pointer into unescaped reference tokens; undefined when the text is not a pointer. */
export function parseJsonPointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens: string[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    // "~" may only start "~0" or "~1"; anything else makes the pointer invalid.
    if (/~[^01]|~$/.test(raw)) return undefined;
    tokens.push(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return tokens;
}

/**
 * An array index token: "0" or a decimal without leading zeros (RFC 6901 §4). Returns undefined
 * for anything else, including "-", which callers handle themselves.
 */
export function parseArrayIndex(token: string): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  return Number.isSafeInteger(index) ? index : undefined;
}
