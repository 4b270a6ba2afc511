/**
 * A small JSON path subset: `$.a.b`, `$.items[0].id`, `$['key with dots']`,
 * or the same without the leading `$` (`version`). No filters or wildcards:
 * a smoke test names one value and compares it. (No JSONPath library is in
 * the dependency set; this is the whole grammar we accept, so errors can say
 * exactly what is wrong.)
 */
export type PathSegment = string | number;

export class JsonPathError extends Error {}

export function parseJsonPath(path: string): PathSegment[] {
  let rest = path.trim();
  if (rest === '') throw new JsonPathError('a JSON path cannot be empty');
  if (rest.startsWith('$')) rest = rest.slice(1);
  else rest = `.${rest}`;
  const segments: PathSegment[] = [];
  while (rest.length > 0) {
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z_$][\w$-]*)/.exec(rest))) segments.push(m[1] as string);
    else if ((m = /^\[(\d+)\]/.exec(rest))) segments.push(Number(m[1]));
    else if ((m = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)))
      segments.push((m[1] as string).replace(/\\(.)/g, '$1'));
    else if ((m = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest)))
      segments.push((m[1] as string).replace(/\\(.)/g, '$1'));
    else
      throw new JsonPathError(
        `cannot read JSON path '${path}' at '${rest}' (use $.key, $.list[0] or $['odd key'])`,
      );
    rest = rest.slice(m[0].length);
  }
  return segments;
}

/** The value at `path`, or `found: false` when any step is missing. */
export function evaluateJsonPath(value: unknown, path: string): { found: boolean; value?: unknown } {
  let current: unknown = value;
  for (const segment of parseJsonPath(path)) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return { found: false };
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}
