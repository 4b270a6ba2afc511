import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runAction, type RunActionResult } from '@deploy-kit/harness';
import { ACCEPTED, CORPUS, keyOfName, REJECTED } from '../../fixtures/dotenv-corpus';
import {
  PROJECT_ENV,
  readWithComposeGo,
  readWithDockerComposeV1,
  readWithPythonDotenv,
} from '../../fixtures/dotenv-oracles/readers';

// The whole adversarial corpus through the committed render-env bundle, run as the runner runs
// it: every accepted value arrives as a secret, is rendered by the template, and must read back
// value-for-value through `docker-compose config` (and python-dotenv and the compose-go port),
// while no secret, nor its base64 or URL-encoded form, reaches the log, outputs or summary.

const keyOf = keyOfName;
const secretName = (key: string): string => `S_${key}`;

function workspaceFor(values: readonly { name: string; value: string }[]): {
  ws: string;
  secrets: Record<string, string>;
} {
  const ws = mkdtempSync(path.join(tmpdir(), 'render-env-corpus-'));
  const secrets: Record<string, string> = {};
  const lines = ['# every value comes from the secrets input'];
  for (const c of values) {
    const key = keyOf(c.name);
    secrets[secretName(key)] = c.value;
    lines.push(`${key}={{ secrets.${secretName(key)} }}`);
  }
  writeFileSync(path.join(ws, 'env.template'), lines.join('\n') + '\n');
  return { ws, secrets };
}

/** The forms a leak could take; very short values (`$`, `#`, a space) occur in any log and prove nothing. */
function leakForms(value: string): string[] {
  if (value.trim().length < 6) return [];
  const forms = [value, Buffer.from(value).toString('base64'), encodeURIComponent(value)];
  return forms.concat(value.split('\n').filter((line) => line.trim().length >= 6));
}

describe('the accepted corpus through the render-env bundle', () => {
  let ws: string;
  let secrets: Record<string, string>;
  let result: RunActionResult;
  let file: string;

  beforeAll(async () => {
    ({ ws, secrets } = workspaceFor(ACCEPTED));
    result = await runAction({
      action: 'render-env',
      workspace: ws,
      inputs: { template: 'env.template', secrets: JSON.stringify(secrets), output: 'deploy/.env' },
    });
    file = path.join(ws, 'deploy/.env');
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  test('the corpus is large enough to mean something', () => {
    expect(ACCEPTED.length).toBeGreaterThanOrEqual(40);
  });

  test('the bundle succeeds and lists every key as secret', () => {
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    const keys = ACCEPTED.map((c) => keyOf(c.name));
    expect(JSON.parse(result.outputs.keys ?? '[]')).toEqual(keys);
    expect(JSON.parse(result.outputs['secret-keys'] ?? '[]')).toEqual(keys);
  });

  test('docker-compose config reads every value back exactly', () => {
    const read = readWithDockerComposeV1(file, path.join(ws, 'compose'), { ...process.env, ...PROJECT_ENV });
    expect(read.error).toBeUndefined();
    for (const c of ACCEPTED) expect([c.name, read.values?.[keyOf(c.name)]]).toEqual([c.name, c.value]);
  });

  test('python-dotenv and the compose-go port read every value back exactly', () => {
    const [python] = readWithPythonDotenv([file], { ...process.env, ...PROJECT_ENV });
    const composeGo = readWithComposeGo(readFileSync(file), PROJECT_ENV);
    for (const read of [python!, composeGo]) {
      expect(read.error).toBeUndefined();
      for (const c of ACCEPTED) expect([c.name, read.values?.[keyOf(c.name)]]).toEqual([c.name, c.value]);
    }
  });

  test('no secret value, nor its base64 or URL-encoded form, reaches the log, outputs or summary', () => {
    const forms = ACCEPTED.flatMap((c) => leakForms(c.value));
    expect(forms.length).toBeGreaterThan(40);
    expect(result.leaks(forms)).toEqual([]);
    for (const c of ACCEPTED.filter((v) => v.value.trim().length >= 6))
      expect(result.masks).toContain(c.value);
  });
});

describe('a value no encoding can carry, through the bundle', () => {
  test.each(REJECTED.filter((c) => c.proof === 'readers').map((c) => [c.name, c] as const))(
    '%s: exit 1, one sentence naming the key, no file, no value in the log',
    async (_name, c) => {
      const { ws, secrets } = workspaceFor([CORPUS[0]!, c]);
      try {
        const result = await runAction({
          action: 'render-env',
          workspace: ws,
          inputs: { template: 'env.template', secrets: JSON.stringify(secrets), output: '.env' },
        });
        expect(result.exitCode).toBe(1);
        const errors = result.annotations.filter((a) => a.level === 'error');
        expect(errors.length).toBeGreaterThanOrEqual(1);
        expect(result.error).toContain(keyOf(c.name));
        expect(() => readFileSync(path.join(ws, '.env'))).toThrow(/ENOENT/);
        expect(result.leaks(leakForms(c.value))).toEqual([]);
      } finally {
        rmSync(ws, { recursive: true, force: true });
      }
    },
  );
});
