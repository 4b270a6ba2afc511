/**
 * The dotenv encoder against the real consumers of the file it writes:
 *  - python-dotenv 0.21 (Debian python3-dotenv), dotenv_values() with interpolate=True;
 *  - docker-compose 1.29 (Debian docker-compose), the file as a service's env_file, `config`;
 *  - Compose v2's compose-go parser (TypeScript port: no Go toolchain or compose-go in Debian).
 * Accepted corpus values must come back exactly, in either order in the file. Rejected values,
 * written with the default quoting, must be misread by at least one consumer: proof that the
 * refusal is needed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InputError } from '@deploy-kit/shared';
import { encodeDotenv, encodeEntry } from '../../../actions/render-env/src/dotenv';
import { ACCEPTED, REJECTED, keyOfName, naiveSingleQuoted } from '../../fixtures/dotenv-corpus';
import {
  PROJECT_ENV,
  type ReadResult,
  readWithComposeGo,
  readWithDockerComposeV1,
  readWithPythonDotenv,
} from '../../fixtures/dotenv-oracles/readers';

const env: NodeJS.ProcessEnv = { ...process.env, ...PROJECT_ENV };

const keyOf = keyOfName;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dotenv-readers-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Reader = 'python-dotenv' | 'docker-compose v1' | 'compose-go';
const READERS: readonly Reader[] = ['python-dotenv', 'docker-compose v1', 'compose-go'];

function readAll(files: readonly { file: string; content: Buffer }[]): Record<Reader, ReadResult>[] {
  const python = readWithPythonDotenv(
    files.map((f) => f.file),
    env,
  );
  return files.map((f, i) => ({
    'python-dotenv': python[i]!,
    'docker-compose v1': readWithDockerComposeV1(
      f.file,
      path.join(dir, `compose-${path.basename(f.file)}`),
      env,
    ),
    'compose-go': readWithComposeGo(f.content, PROJECT_ENV),
  }));
}

describe('accepted corpus values are read back exactly by every consumer', () => {
  const entries = ACCEPTED.map((c) => ({ key: keyOf(c.name), value: c.value }));
  let forward: Record<Reader, ReadResult>;
  let reverse: Record<Reader, ReadResult>;

  beforeAll(() => {
    // Both orders: a badly quoted value can swallow the lines after it, so neighbours matter.
    const files = [entries, [...entries].reverse()].map((list, i) => {
      const content = Buffer.from(encodeDotenv(list), 'utf8');
      const file = path.join(dir, `accepted-${i}.env`);
      writeFileSync(file, content);
      return { file, content };
    });
    [forward, reverse] = readAll(files) as [Record<Reader, ReadResult>, Record<Reader, ReadResult>];
  });

  test('the corpus has at least 40 accepted values', () => {
    expect(ACCEPTED.length).toBeGreaterThanOrEqual(40);
  });

  test.each(READERS)('%s reads the whole file without error, warning or stray key', (reader) => {
    for (const result of [forward[reader], reverse[reader]]) {
      expect(result.error).toBeUndefined();
      expect(result.warnings.filter((w) => /dotenv|parse|invalid/i.test(w))).toEqual([]);
      expect(Object.keys(result.values ?? {}).sort()).toEqual(entries.map((e) => e.key).sort());
    }
  });

  describe.each(READERS)('%s', (reader) => {
    test.each(ACCEPTED.map((c) => [c.name, c.value] as const))('%s', (name, value) => {
      expect(forward[reader].values?.[keyOf(name)]).toBe(value);
      expect(reverse[reader].values?.[keyOf(name)]).toBe(value);
    });
  });
});

describe('rejected corpus values', () => {
  test.each(REJECTED.map((c) => [c.name, c.value] as const))(
    '%s: the encoder refuses it, naming the key',
    (name, value) => {
      const key = keyOf(name);
      expect(() => encodeEntry({ key, value })).toThrow(InputError);
      expect(() => encodeEntry({ key, value })).toThrow(`Value of '${key}'`);
    },
  );

  const byReaders = REJECTED.filter((c) => c.proof === 'readers');
  let results: Record<Reader, ReadResult>[];

  beforeAll(() => {
    const files = byReaders.map((c, i) => {
      // Neighbours on both sides, so a value that swallows or breaks other lines is caught too.
      const text = `BEFORE='before'\nVALUE=${naiveSingleQuoted(c.value)}\nAFTER='after'\n`;
      const content = Buffer.from(text, 'utf8'); // a lone surrogate becomes U+FFFD here, as in any UTF-8 file
      const file = path.join(dir, `rejected-${i}.env`);
      writeFileSync(file, content);
      return { file, content };
    });
    results = readAll(files);
  });

  test.each(byReaders.map((c, i) => [c.name, c.value, i] as const))(
    '%s: written with the default single quoting, at least one consumer misreads it',
    (_name, value, i) => {
      const misread = READERS.filter((reader) => {
        const r = results[i]![reader];
        return (
          r.error !== undefined ||
          r.values?.VALUE !== value ||
          r.values?.BEFORE !== 'before' ||
          r.values?.AFTER !== 'after'
        );
      });
      expect(misread.length).toBeGreaterThanOrEqual(1);
    },
  );

  test.each(REJECTED.filter((c) => c.proof === 'environment').map((c) => [c.name, c.value] as const))(
    '%s: no process can receive it as an environment variable',
    (_name, value) => {
      expect(() => spawnSync('/usr/bin/env', [], { env: { VALUE: value } })).toThrow(/null bytes/);
    },
  );
});
