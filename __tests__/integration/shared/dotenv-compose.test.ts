/**
 * The product's env-file reader (packages/shared/src/dotenv.ts, a port of compose-go) against the
 * real Compose v2 CLI of the sandbox: each file is a service's env_file, `docker compose config
 * --format json` prints what Compose resolved, and both must agree value for value — including the
 * shapes that slipped past the masks (escaped quotes, backslashes, lone CR, CRLF, PEM with CRLF).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSandbox } from '@deploy-kit/harness';
import { readComposeEnvFile } from '@deploy-kit/shared';
import { encodeDotenv } from '../../../actions/render-env/src/dotenv';
import { ACCEPTED, corpusKey } from '../../fixtures/dotenv-corpus';

const sandbox = loadSandbox();

function composeV2Environment(envText: string): { values?: Record<string, string>; error?: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dotenv-compose-'));
  try {
    fs.writeFileSync(path.join(dir, 'app.env'), envText);
    fs.writeFileSync(
      path.join(dir, 'compose.yml'),
      'services:\n  app:\n    image: scratch\n    env_file: app.env\n',
    );
    const r = spawnSync(sandbox.docker.cli, ['compose', '-f', 'compose.yml', 'config', '--format', 'json'], {
      cwd: dir,
      // Nothing from this process's environment may leak into the expansion.
      env: { PATH: process.env.PATH, DOCKER_CONFIG: sandbox.docker.config, HOME: dir },
      encoding: 'utf8',
    });
    if (r.status !== 0) return { error: r.stderr };
    const doc = JSON.parse(r.stdout) as { services: { app: { environment?: Record<string, string> } } };
    // Compose prints `$` as `$$` so that its own output re-reads identically.
    const values = Object.fromEntries(
      Object.entries(doc.services.app.environment ?? {}).map(([k, v]) => [k, v.replace(/\$\$/g, '$')]),
    );
    return { values };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const PEM_CRLF =
  '-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNz\r\naC1rZXk=\r\n-----END OPENSSH PRIVATE KEY-----\r\n';

const HANDWRITTEN: Record<string, string> = {
  quoted: `K1="it's \\"quoted\\" X"\n`,
  'single-escaped': `K2='db pa$s \\'q\\''\n`,
  backslashes: `K3="two\\\\\\\\backslashes" # c\n`,
  'lone-cr': 'K4=abc\rdef\n',
  crlf: 'K5=crlf-value\r\nK6="x y"\r\n',
  expansion: 'K7=a\nK8="${K7}-$$-${NOPE:-d}"\nK9=${K7}b\n',
  'export-and-comments': '# c\nexport K10=v # trailing\n  K11 = spaced\n',
  bom: '\uFEFFK12=bom\n',
  'single-unescaped-backslash': "K13='a\\b\\\\c'\n",
  'dollar-without-reference': 'A=1\nK15=$(id)\nK16=${A}$(x)\nK17="${A}-$"\n',
  'double-escapes': 'K14="tab\\tnl\\ncr\\r\\$dollar\\0101"\n',
};

test.each(Object.entries(HANDWRITTEN))('%s: the reader agrees with Compose v2', (_name, text) => {
  const compose = composeV2Environment(text);
  expect(compose.error).toBeUndefined();
  expect(Object.fromEntries(readComposeEnvFile(text, 'env-file'))).toEqual(compose.values);
});

test('a render-env file of every accepted corpus value and a CRLF PEM: the reader agrees with Compose v2', () => {
  const entries = ACCEPTED.map((c, i) => ({ key: corpusKey(c, i), value: c.value }));
  entries.push({ key: 'PEM_CRLF', value: PEM_CRLF });
  const text = encodeDotenv(entries);
  const compose = composeV2Environment(text);
  expect(compose.error).toBeUndefined();
  const ours = Object.fromEntries(readComposeEnvFile(text, 'env-file'));
  expect(ours).toEqual(compose.values);
  expect(ours.PEM_CRLF).toBe(PEM_CRLF);
});

test.each([
  ['unterminated', 'K="never closed\n'],
  ['required variable unset', 'K=${NOPE:?must be set}\n'],
])('%s: Compose v2 refuses the file, and so does the reader', (_name, text) => {
  expect(composeV2Environment(text).error).toBeDefined();
  expect(() => readComposeEnvFile(text, 'env-file')).toThrow(
    /'env-file' is not an env file Compose can read/,
  );
});
