import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HttpResponse } from '@deploy-kit/shared/http';
import { redactSecrets, registeredForms, resetMasksForTests } from '@deploy-kit/shared';
import { smokeTestAction } from '../../../actions/smoke-test/src/action';
import { journeyCheck, specCheck } from '../../../actions/smoke-test/src/checks';
import { parseInputs } from '../../../actions/smoke-test/src/inputs';
import { maskInputSecrets } from '../../../actions/smoke-test/src/smoke';
import { parseSpec, secretsUsed } from '../../../actions/smoke-test/src/spec';
import { secretVars } from '../../../actions/smoke-test/src/template';

// smoke-test's `secrets` input: values a checks FILE (which cannot hold a secret) refers to as
// {{ secrets.NAME }} wherever a capture {{ name }} may stand.

const JOURNEY = `
journeys:
  - name: login and export
    csrf: true
    steps:
      - url: /accounts/login/
      - method: POST
        url: /accounts/login/
        form: { username: smoke, password: "{{ secrets.SMOKE_PASSWORD }}" }
        expect: { status: 302 }
      - url: /notes/export.pdf
        headers: { X-Api-Key: "key-{{ secrets.API_KEY }}" }
        expect: { body-type: pdf }
`;

type Sent = { method: string; url: string; headers: Record<string, string>; body?: string };
function response(body: string, partial: Partial<HttpResponse> = {}): HttpResponse {
  return {
    url: 'https://app.test/x',
    status: 200,
    headers: {},
    body: Buffer.from(body),
    truncated: false,
    durationMs: 1,
    ...partial,
  };
}

describe('secrets input', () => {
  let workspace: string;
  const savedEnv = { ...process.env };
  beforeEach(() => {
    resetMasksForTests();
    workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'st-secrets-')));
    fs.mkdirSync(path.join(workspace, 'deploy'));
    fs.writeFileSync(path.join(workspace, 'deploy', 'journey.yml'), JOURNEY);
    process.env.GITHUB_WORKSPACE = workspace;
  });
  afterEach(() => {
    process.env = { ...savedEnv };
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('is a secret input of the action, so the runner masks the raw text first', () => {
    expect(smokeTestAction.secretInputs).toContain('secrets');
  });

  test('NAME=value lines and a JSON object give the same secrets; a checks file refers to them', () => {
    const fromLines = parseInputs({
      checks: 'deploy/journey.yml',
      secrets: '# for the journey\nSMOKE_PASSWORD=pa ss=word&1\nAPI_KEY=k3y\n',
    });
    const fromJson = parseInputs({
      checks: 'deploy/journey.yml',
      secrets: JSON.stringify({ SMOKE_PASSWORD: 'pa ss=word&1', API_KEY: 'k3y' }),
    });
    expect(fromLines.secrets).toEqual({ SMOKE_PASSWORD: 'pa ss=word&1', API_KEY: 'k3y' });
    expect(fromJson.secrets).toEqual(fromLines.secrets);
    expect(secretsUsed(fromLines.spec).sort()).toEqual(['API_KEY', 'SMOKE_PASSWORD']);
    // The spec keeps the placeholder: no value sits in what is parsed from the file.
    expect(JSON.stringify(fromLines.spec)).not.toContain('pa ss');
  });

  test('every value and its derived forms (URL-encoded as in a form body) are masked when parsed', () => {
    parseInputs({ checks: 'deploy/journey.yml', secrets: 'SMOKE_PASSWORD=pa ss=word&1\nAPI_KEY=k3y' });
    const forms = registeredForms();
    expect(forms).toEqual(
      expect.arrayContaining(['pa ss=word&1', 'k3y', 'pa%20ss%3Dword%261', 'pa+ss%3Dword%261']),
    );
    expect(redactSecrets('body password=pa+ss%3Dword%261 key k3y')).not.toMatch(/pa\+ss|k3y/);
    // And again when run from Inputs built elsewhere (the root action, a library caller).
    resetMasksForTests();
    maskInputSecrets({
      spec: { checks: [], journeys: [] },
      secrets: { X: 'only-in-inputs' },
      suite: { django: {} },
    } as never);
    expect(registeredForms()).toContain('only-in-inputs');
  });

  test('an unknown {{ secrets.X }} is an input error naming X, never a value', () => {
    const run = () => parseInputs({ checks: 'deploy/journey.yml', secrets: 'SMOKE_PASSWORD=hunter2-secret' });
    expect(run).toThrow(
      "'checks' uses {{ secrets.API_KEY }}, but 'secrets' gives no API_KEY; add it to 'secrets' (NAME=value lines or a JSON object).",
    );
    expect(() => parseInputs({ checks: 'deploy/journey.yml' })).toThrow(
      "'checks' uses {{ secrets.SMOKE_PASSWORD }}, {{ secrets.API_KEY }}, but 'secrets' gives no SMOKE_PASSWORD, API_KEY; add them",
    );
    try {
      run();
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  test('a used secret with an empty value (an unset repository secret) is an input error naming it', () => {
    expect(() =>
      parseInputs({ checks: 'deploy/journey.yml', secrets: 'SMOKE_PASSWORD=\nAPI_KEY=k3y\nUNUSED=' }),
    ).toThrow(
      "'secrets' gives SMOKE_PASSWORD an empty value, which 'checks' uses; is the workflow's secret set?",
    );
    // An empty secret nothing uses is fine (the same step may serve a journey that needs none).
    expect(parseInputs({ checks: '- url: https://app.test/\n', secrets: 'SMOKE_PASSWORD=' }).secrets).toEqual(
      {
        SMOKE_PASSWORD: '',
      },
    );
  });

  test('a malformed secrets input is an input error that does not quote the text', () => {
    expect(() => parseInputs({ checks: 'deploy/journey.yml', secrets: 'SMOKE_PASSWORD hunter2' })).toThrow(
      /'secrets' line 1 is not NAME=value/,
    );
    expect(() =>
      parseInputs({ checks: 'deploy/journey.yml', secrets: '{"SMOKE_PASSWORD": hunter2' }),
    ).toThrow(/'secrets' is not valid JSON/);
  });

  test('a plain check (outside journeys) may use a secret; a capture there is still an error', () => {
    const inputs = parseInputs({
      checks: '- url: https://app.test/metrics\n  headers: { Authorization: "Bearer {{ secrets.TOKEN }}" }\n',
      secrets: 'TOKEN=t0ken',
    });
    expect(inputs.spec.checks[0]?.headers?.Authorization).toBe('Bearer {{ secrets.TOKEN }}');
    expect(() => parseSpec('checks', [{ url: 'https://app.test/', headers: { A: '{{ csrf }}' } }])).toThrow(
      'captures only exist inside journeys',
    );
  });

  test('a check sends the value in place of the placeholder', async () => {
    const spec = parseSpec('checks', [
      { url: 'https://app.test/metrics', headers: { Authorization: 'Bearer {{ secrets.TOKEN }}' } },
    ]);
    const sent: Sent[] = [];
    const client = { request: async (req: Sent) => (sent.push(req), response('ok')) };
    const check = specCheck(spec.checks[0] as never, {
      requestTimeoutMs: 1000,
      secretVars: secretVars({ TOKEN: 't0ken' }),
    });
    const results = await check.attempt({ client, signal: new AbortController().signal } as never);
    expect(results.every((a) => a.passed)).toBe(true);
    expect(sent[0]?.headers.authorization).toBe('Bearer t0ken');
  });

  test('a journey fills {{ secrets.NAME }} in form and headers next to captures', async () => {
    const inputs = parseInputs({
      checks: 'deploy/journey.yml',
      secrets: 'SMOKE_PASSWORD=pa ss=word&1\nAPI_KEY=k3y',
    });
    const sent: Sent[] = [];
    const answers = [
      () => response('<form>', { headers: { 'set-cookie': 'csrftoken=tok; Path=/' } }),
      () => response('', { status: 302, headers: { 'set-cookie': 'sessionid=s; Path=/' } }),
      () => response('%PDF-1.4\n'),
    ];
    const client = {
      request: async (req: Sent) => {
        sent.push(req);
        return (answers[sent.length - 1] as () => HttpResponse)();
      },
    };
    const check = journeyCheck(inputs.spec.journeys[0] as never, {
      baseUrl: 'https://app.test/',
      requestTimeoutMs: 1000,
      secretVars: secretVars(inputs.secrets ?? {}),
    });
    const results = await check.attempt({ client, signal: new AbortController().signal } as never);
    expect(results.filter((a) => !a.passed)).toEqual([]);
    expect(sent[1]?.body).toBe('username=smoke&password=pa+ss%3Dword%261');
    expect(sent[1]?.headers['x-csrftoken']).toBe('tok');
    expect(sent[2]?.headers['x-api-key']).toBe('key-k3y');
  });

  test('a capture cannot shadow a secret: secrets.* is never a capture name', () => {
    expect(() =>
      parseSpec('checks', {
        journeys: [
          { name: 'j', steps: [{ url: 'https://app.test/', capture: { 'secrets.X': { header: 'x' } } }] },
        ],
      }),
    ).toThrow();
  });
});
