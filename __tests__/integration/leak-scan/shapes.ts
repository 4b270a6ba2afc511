import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * Secret shapes users really have (issue 14 A7): PEM keys with LF and CRLF, JSON blobs with
 * embedded keys, quotes, backslashes, %, unicode, short, numeric, base64-looking, URLs with
 * credentials, shell metacharacters. Fresh values every run, so a hit is never a coincidence.
 */
export function secretShapes(): string[] {
  const id = randomBytes(4).toString('hex');
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
  const hex = randomBytes(32).toString('hex');
  const b64 = randomBytes(24).toString('base64');
  return [
    pem,
    pem.replace(/\n/g, '\r\n'),
    rsa,
    JSON.stringify({ type: 'service_account', private_key_id: `k-${id}`, private_key: pem }, null, 2),
    JSON.stringify({ token: `tok-${id}`, nested: { key: `nk-${id}` } }),
    `it's "quoted" X-${id}`,
    `db pa$s 'q'-${id}`,
    `two\\\\backslashes-${id}`,
    `back\\slash-${id}`,
    `trailing-backslash-${id}\\`,
    `100%sure%20-${id}`,
    `%0A%25pct-${id}`,
    `pässwörd-日本-🔑-${id}`,
    'Q#7',
    // A 4-digit PIN, never a year (2026 is in every timestamp left behind).
    String(3000 + (parseInt(id.slice(0, 4), 16) % 7000)),
    String(10_000_000 + parseInt(id.slice(0, 6), 16)),
    b64,
    hex,
    `postgres://app:p%40ss-${id}@db.internal:5432/app`,
    `https://deploy:tok3n-${id}@registry.example.test/v2/`,
    `mysql://root:S3cr3t!${id}@127.0.0.1/shop`,
    `$(whoami)-${id}`,
    `\`id\`-${id}`,
    `a=b=c-${id}`,
    `#hash-start-${id}`,
    `semi;colon&amp|pipe-${id}`,
    `<xml attr="v-${id}">`,
    `{{not.a.template}}-${id}`,
    `tab\there-${id}`,
    `ghp_${hex.slice(0, 36)}`,
    `AKIA${id.toUpperCase()}EXAMPLE/${b64.slice(0, 20)}`,
    `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIke${id}In0.${b64.slice(0, 16)}`,
    `single'quote-${id}`,
    `double"quote-${id}`,
    `both'"quotes-${id}`,
    `=leading-equals-${id}`,
    `new\\nline-literal-${id}`,
    `line one ${id}\nline two ${id}\nline three ${id}`,
    `alpha beta ${id}\r\ngamma delta ${id}\r\n`,
    `${'x'.repeat(150)}${id}`,
    `Bearer abc.${id}.ghi`,
    `pa ss wo rd ${id}`,
    `%(python)s-${id}`,
    `null-but-secret-${id}`,
  ];
}
