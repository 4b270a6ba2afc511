/**
 * What a downloaded body is, judged by its first bytes (the file's own
 * signature) rather than by the Content-Type the server claims: a login page
 * served with status 200 in place of the report is HTML, whatever its name.
 */

interface BodyType {
  label: string;
  test(body: Buffer): boolean;
}

const startsWith =
  (...prefixes: (string | number[])[]) =>
  (body: Buffer): boolean =>
    prefixes.some((p) => {
      const bytes = typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p);
      return body.length >= bytes.length && body.subarray(0, bytes.length).equals(bytes);
    });

/** Leading whitespace and a UTF-8 byte order mark, as text formats allow. */
function leadingText(body: Buffer, max = 512): string {
  return body
    .subarray(0, max)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
}

function isJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

export const BODY_TYPES = {
  pdf: { label: 'PDF', test: startsWith('%PDF-') },
  png: { label: 'PNG', test: startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  jpeg: { label: 'JPEG', test: startsWith([0xff, 0xd8, 0xff]) },
  gif: { label: 'GIF', test: startsWith('GIF87a', 'GIF89a') },
  webp: {
    label: 'WebP',
    test: (b: Buffer) => startsWith('RIFF')(b) && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  // Also .xlsx, .docx, .odt, .jar: all ZIP containers.
  zip: { label: 'ZIP', test: startsWith('PK\x03\x04', 'PK\x05\x06') },
  gzip: { label: 'gzip', test: startsWith([0x1f, 0x8b]) },
  json: { label: 'JSON', test: isJson },
  html: { label: 'HTML', test: (b: Buffer) => /^<(!doctype html|html[\s>])/i.test(leadingText(b)) },
  xml: { label: 'XML', test: (b: Buffer) => /^<\?xml[\s?]/.test(leadingText(b)) },
} satisfies Record<string, BodyType>;

export type BodyTypeName = keyof typeof BODY_TYPES;
export const BODY_TYPE_NAMES = Object.keys(BODY_TYPES) as BodyTypeName[];

/** The first bytes as a reader can see them: printable ASCII kept, the rest as \xNN. */
export function showBytes(body: Buffer, max = 16): string {
  if (body.length === 0) return '(empty body)';
  let text = '';
  for (const byte of body.subarray(0, max))
    text +=
      byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return `"${text}"${body.length > max ? '…' : ''}`;
}

/** "HTML, starts with "<!DOCTYPE html>…"" — what the body looks like, for a failing check. */
export function describeBody(body: Buffer): string {
  const found = BODY_TYPE_NAMES.find((name) => name !== 'json' && BODY_TYPES[name].test(body));
  const label = found ? BODY_TYPES[found].label : isJson(body) ? 'JSON' : undefined;
  const start = `starts with ${showBytes(body)}`;
  if (body.length === 0) return '(empty body)';
  return label ? `${label}, ${start}` : start;
}

/** One comparison's parts; assertions.ts makes them an Assertion. */
export interface Judgement {
  passed: boolean;
  expected: string;
  seen: string;
}

export function judgeBodyType(want: BodyTypeName, body: Buffer): Judgement {
  const type = BODY_TYPES[want];
  const passed = type.test(body);
  return {
    passed,
    expected: type.label,
    seen: passed ? `${type.label}, ${body.length} bytes` : describeBody(body),
  };
}

/** The body's first bytes equal the UTF-8 bytes of `prefix` (binary-safe: nothing is decoded). */
export function judgeBodyStart(prefix: string, body: Buffer): Judgement {
  const want = Buffer.from(prefix, 'utf8');
  const passed = body.length >= want.length && body.subarray(0, want.length).equals(want);
  return { passed, expected: showBytes(want, 64), seen: showBytes(body, Math.max(want.length, 16)) };
}
