/**
 * remote-deploy's env-file masking against what the containers really get: the bundle deploys to a
 * sandbox host, the app's service reads the uploaded .env through Compose (`env_file: .env`), and
 * `migrate-command: env` prints that environment from a one-off container. The log is then masked
 * the way the runner masks — only registered strings, line by line — and must not show any value
 * (or any line of a value) of a secret key, while plain values stay readable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMaskable, parseComposeGoDotenv } from '@deploy-kit/shared';
import { encodeEntry } from '../../../actions/render-env/src/dotenv';
import { baseInputs, buildAppImages, cleanup, COMPOSE, deploy, hosts, makeApp, type App } from './helpers';

jest.setTimeout(300_000);

/** The runner's masker: each registered string replaced within each line, longest first. */
function runnerMasked(raw: string, masks: readonly string[]): string[] {
  const sorted = [...masks].filter((m) => m !== '').sort((a, b) => b.length - a.length);
  return raw
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .map((line) => sorted.reduce((acc, m) => acc.split(m).join('***'), line));
}

const PEM_CRLF = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBzZXJ2ZXIta2V5LW5vdC1yZWFsLWp1c3QtYS1maXh0dXJlAAAAmHJlYWxs',
  'eS1ub3QtYS1rZXkrLz0=',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\r\n');

/** Env file lines, as users and render-env write them; every key but the plain ones is secret. */
const SECRET_LINES = [
  `QUOTED_PASSWORD="it's \\"quoted\\" X9k"`,
  `SQ_PASSWORD='db pa$s \\'q\\''`,
  `BACKSLASH_TOKEN="two\\\\\\\\backslashes"`,
  `ESCAPED_SECRET="tab\\there \\"and\\" \\\\slash"`,
  'LONE_CR_SECRET=abc\rdef-lone-cr',
  'CRLF_API_KEY=crlf-terminated-value\r',
  'SHORT_PASSWORD=Q#7',
  'DOOR_PIN=4711',
  encodeEntry({ key: 'TLS_PRIVATE_KEY', value: PEM_CRLF }),
  encodeEntry({ key: 'JSON_SECRET', value: '{\n  "k": "v-json-9z"\n}\n' }),
];
const PLAIN_LINES = ['PGHOST=127.0.0.1', 'MARKER=plain-marker-visible'];

let images: ReturnType<typeof buildAppImages>;
let app: App;
const target = hosts.slice(0, 1);

beforeAll(() => {
  images = buildAppImages();
});
afterAll(() => {
  if (app) cleanup(app, target);
});

test('migrate-command: env prints no secret value, nor any line of one, after the runner masks; plain values stay', async () => {
  app = makeApp(target);
  // The app's service reads the uploaded .env as its env_file, as most Compose apps do.
  fs.writeFileSync(
    path.join(app.workspace, 'docker-compose.yml'),
    COMPOSE.replace('    init: true\n', '    init: true\n    env_file: .env\n'),
  );
  const envPath = path.join(app.workspace, 'app.env');
  const base = fs.readFileSync(envPath, 'utf8');
  const text = `${base}${[...SECRET_LINES, ...PLAIN_LINES].join('\n')}\n`;
  fs.writeFileSync(envPath, text);

  // What Compose hands the container, by compose-go's rules (checked against the real Compose v2
  // in __tests__/integration/shared/dotenv-compose.test.ts).
  const decoded = parseComposeGoDotenv(text);
  const secretKeys = SECRET_LINES.map((l) => l.slice(0, l.indexOf('=')));
  const secretValues = secretKeys.map((k) => decoded.get(k) as string);
  expect(secretValues).toContain('it\'s "quoted" X9k');
  expect(secretValues).toContain('abc\rdef-lone-cr');

  const result = await deploy(app, {
    ...baseInputs(app, target),
    images: `web=${images.v1}`,
    version: '1.0',
    'migrate-command': 'env',
  });
  expect(result.error).toBeUndefined();
  const log = runnerMasked(`${result.stdout}\n${result.stderr}`, result.masks);
  const joined = log.join('\n');

  // The command did print the environment: the plain values are there, unmasked.
  expect(joined).toContain('MARKER=plain-marker-visible');
  expect(joined).toContain('PGHOST=127.0.0.1');
  expect(result.masks).not.toContain('127.0.0.1');
  // No mask of punctuation alone (it would blank every such character in the log).
  expect(result.masks.filter((m) => !isMaskable(m))).toEqual([]);

  const leaks: string[] = [];
  for (const [i, value] of secretValues.entries()) {
    const pieces = [value, ...value.split(/\r?\n|\r/).map((l) => l.trim())].filter(isMaskable);
    for (const piece of pieces)
      for (const line of log)
        if (line.includes(piece)) leaks.push(`${secretKeys[i]}: ${JSON.stringify(line)}`);
  }
  expect(leaks).toEqual([]);
  // Each secret key's line was printed, masked (unless its first line is only punctuation, like `{`).
  for (const [i, key] of secretKeys.entries())
    if (isMaskable((secretValues[i] as string).split(/\r?\n|\r/)[0] as string))
      expect(joined).toMatch(new RegExp(`${key}=\\*\\*\\*`));
});
