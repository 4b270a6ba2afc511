import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseInstructions } from '../../../actions/build-images/src/dockerfile';
import { checkDockerfile, isPinned, looksSecret } from '../../../actions/build-images/src/policy';

const dir = path.resolve(__dirname, '../../fixtures/build-images/policy');
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

describe('Dockerfile parsing', () => {
  test('continuations, comments inside them, escape directive and heredocs keep the starting line', () => {
    const text = [
      '# escape=`',
      'FROM a:1',
      'RUN echo a `',
      '  # comment',
      '  && echo b',
      'RUN <<EOF',
      'USER root',
      'EOF',
      'USER app',
    ].join('\n');
    expect(parseInstructions(text).map((i) => [i.keyword, i.line])).toEqual([
      ['FROM', 2],
      ['RUN', 3],
      ['RUN', 6],
      ['USER', 9],
    ]);
    expect(parseInstructions(text)[1]?.args).toBe('echo a && echo b');
  });
});

describe('Dockerfile policy', () => {
  test('each finding points at the line that causes it', () => {
    const findings = checkDockerfile({
      file: 'policy/Dockerfile',
      text: read('Dockerfile'),
      args: {},
      servicesWithoutHealthcheck: ['bad'],
    });
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      ['secret-name', 3], // ARG NPM_TOKEN
      ['secret-name', 4], // ENV API_KEY=abc \ (continued)
      ['secret-name', 9], // ENV DB_PASSWORD=...
      ['pinned-base', 2], // FROM ${BASE} -> local/busybox (no tag)
      ['non-root-user', 11], // USER root
      ['healthcheck', 8], // final stage FROM
    ]);
    expect(findings[0]?.message).toMatch(/ARG NPM_TOKEN looks like a secret/);
    expect(findings[5]?.message).toMatch(/Compose declares none for bad/);
  });

  test('a clean Dockerfile: digest pin, USER inherited from the parent stage, HEALTHCHECK, KEYBOARD_* is not a secret', () => {
    expect(
      checkDockerfile({
        file: 'D',
        text: read('Dockerfile.good'),
        args: {},
        servicesWithoutHealthcheck: ['good'],
      }),
    ).toEqual([]);
  });

  test('build args resolve the FROM line; target selects the final stage', () => {
    const text =
      'ARG PY=3.12\nFROM python:${PY} AS build\nUSER app\nFROM build AS prod\nFROM python:latest\n';
    const prod = checkDockerfile({
      file: 'D',
      text,
      target: 'prod',
      args: {},
      servicesWithoutHealthcheck: [],
    });
    expect(prod.map((f) => [f.rule, f.line])).toEqual([['pinned-base', 5]]);
    const last = checkDockerfile({ file: 'D', text, args: { PY: 'latest' }, servicesWithoutHealthcheck: [] });
    expect(last.map((f) => [f.rule, f.line])).toEqual([
      ['pinned-base', 2],
      ['pinned-base', 5],
      ['non-root-user', 5],
    ]);
  });

  test('healthcheck declared in Compose satisfies the rule; HEALTHCHECK NONE does not', () => {
    const text = 'FROM a:1\nUSER 1000\nHEALTHCHECK NONE\n';
    expect(checkDockerfile({ file: 'D', text, args: {}, servicesWithoutHealthcheck: [] })).toEqual([]);
    expect(
      checkDockerfile({ file: 'D', text, args: {}, servicesWithoutHealthcheck: ['w'] })[0],
    ).toMatchObject({
      rule: 'healthcheck',
      line: 3,
    });
  });

  test('USER 0 and root:root count as root; a missing target stage is reported', () => {
    expect(
      checkDockerfile({
        file: 'D',
        text: 'FROM scratch\nUSER 0:0\n',
        args: {},
        servicesWithoutHealthcheck: [],
      })[0],
    ).toMatchObject({
      rule: 'non-root-user',
      line: 2,
    });
    expect(
      checkDockerfile({
        file: 'D',
        text: 'FROM scratch\n',
        target: 'nope',
        args: {},
        servicesWithoutHealthcheck: [],
      })[0]?.message,
    ).toMatch(/no stage named 'nope'/);
  });

  test('helpers', () => {
    expect(
      ['SECRET_KEY', 'API_TOKEN', 'db_password', 'AWS_ACCESS_KEY_ID', 'GITHUB_TOKENS'].every(looksSecret),
    ).toBe(true);
    expect(['KEYBOARD', 'MONKEY', 'TOKENIZER_MODE', 'DEBUG'].some(looksSecret)).toBe(false);
    expect(isPinned('python:3.12')).toBe(true);
    expect(isPinned('localhost:5000/app')).toBe(false);
    expect(isPinned('python:latest')).toBe(false);
    expect(isPinned(`python@sha256:${'a'.repeat(64)}`)).toBe(true);
  });
});
