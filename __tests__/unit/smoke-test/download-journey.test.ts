import type { HttpResponse } from '@deploy-kit/shared/http';
import { evaluateExpect } from '../../../actions/smoke-test/src/assertions';
import { describeBody, judgeBodyType, showBytes } from '../../../actions/smoke-test/src/body-type';
import { journeyCheck } from '../../../actions/smoke-test/src/checks';
import { parseSpec } from '../../../actions/smoke-test/src/spec';

// Issue 21 item 6: what a user journey needs besides captures: a downloaded
// body's type or first bytes, and Django's CSRF cookie sent back as a header.

const PDF = Buffer.concat([
  Buffer.from('%PDF-1.4\n%'),
  Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]),
  Buffer.from('\n'),
]);
const LOGIN_PAGE = Buffer.from('\n<!DOCTYPE html>\n<html lang="en"><title>Log in</title>');

function response(body: Buffer, partial: Partial<HttpResponse> = {}): HttpResponse {
  return {
    url: 'https://app.test/x',
    status: 200,
    headers: {},
    body,
    truncated: false,
    durationMs: 5,
    ...partial,
  };
}

describe('body-type and body-starts-with', () => {
  test('a PDF passes as pdf and by its first bytes, compared as bytes', () => {
    const results = evaluateExpect({ 'body-type': 'pdf', 'body-starts-with': '%PDF-' }, response(PDF));
    expect(results.map((a) => [a.name, a.passed])).toEqual([
      ['status', true],
      ['body type', true],
      ['body starts with', true],
    ]);
    expect(results[1]?.seen).toBe(`PDF, ${PDF.length} bytes`);
  });

  test('the login page served in place of the PDF fails, saying it is HTML', () => {
    const [, type, start] = evaluateExpect(
      { 'body-type': 'pdf', 'body-starts-with': '%PDF-' },
      response(LOGIN_PAGE),
    );
    expect(type).toMatchObject({ passed: false, expected: 'PDF' });
    expect(type?.seen).toBe('HTML, starts with "\\x0a<!DOCTYPE html>"…');
    expect(start).toMatchObject({ passed: false, expected: '"%PDF-"', seen: '"\\x0a<!DOCTYPE html>"…' });
  });

  test('binary signatures are recognised whatever the Content-Type says', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(judgeBodyType('png', png).passed).toBe(true);
    expect(judgeBodyType('pdf', png)).toMatchObject({ passed: false, seen: expect.stringMatching(/^PNG, /) });
    expect(judgeBodyType('zip', Buffer.from('PK\x03\x04rest', 'latin1')).passed).toBe(true);
    expect(judgeBodyType('gzip', Buffer.from([0x1f, 0x8b, 8, 0])).passed).toBe(true);
    expect(judgeBodyType('jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0])).passed).toBe(true);
    expect(judgeBodyType('json', Buffer.from(' {"a": 1} ')).passed).toBe(true);
    expect(judgeBodyType('json', Buffer.from('{"a": ')).passed).toBe(false);
    expect(judgeBodyType('html', Buffer.from('\uFEFF  <html>')).passed).toBe(true);
    expect(describeBody(Buffer.alloc(0))).toBe('(empty body)');
    expect(showBytes(Buffer.from([0, 0x41, 0xff]))).toBe('"\\x00A\\xff"');
  });

  test('a bad body-type names the types it knows', () => {
    expect(() => parseSpec('checks', [{ expect: { 'body-type': 'docx' } }])).toThrow(
      "'checks' check '#1' field 'expect.body-type': must be one of pdf, png, jpeg, gif, webp, zip, gzip, json, html, xml",
    );
  });
});

describe('journey csrf', () => {
  type Sent = { method: string; url: string; headers: Record<string, string> };
  function fakeClient(answers: ((req: Sent) => HttpResponse)[]) {
    const sent: Sent[] = [];
    const client = {
      request: async (req: Sent) => {
        sent.push(req);
        const answer = answers[sent.length - 1];
        if (!answer) throw new Error('unexpected request');
        return answer(req);
      },
    };
    return { client, sent };
  }

  test('csrf: true sends the csrftoken cookie back as X-CSRFToken with a same-origin Referer on POST only', async () => {
    const spec = parseSpec('checks', {
      journeys: [
        {
          name: 'login, write, download',
          csrf: true,
          steps: [
            { url: '/login/' },
            {
              method: 'POST',
              url: '/login/',
              form: { username: 'u', password: 'p' },
              expect: { status: 302 },
            },
            { url: '/notes/export.pdf', expect: { 'body-type': 'pdf' } },
          ],
        },
      ],
    });
    expect(spec.journeys[0]?.csrf).toEqual({ cookie: 'csrftoken', header: 'X-CSRFToken' });
    const secrets: string[] = [];
    const { client, sent } = fakeClient([
      () =>
        response(LOGIN_PAGE, { headers: { 'set-cookie': 'csrftoken=tok123; Path=/; Secure; SameSite=Lax' } }),
      () =>
        response(Buffer.alloc(0), {
          status: 302,
          headers: { 'set-cookie': 'sessionid=s1; Path=/; HttpOnly' },
        }),
      () => response(PDF),
    ]);
    const check = journeyCheck(spec.journeys[0] as never, {
      baseUrl: 'https://app.test/',
      requestTimeoutMs: 1000,
      onSecret: (v) => secrets.push(v),
    });
    const results = await check.attempt({ client, signal: new AbortController().signal } as never);
    expect(results.every((a) => a.passed)).toBe(true);
    expect(sent[0]?.headers['x-csrftoken']).toBeUndefined();
    expect(sent[1]?.headers).toMatchObject({ 'x-csrftoken': 'tok123', referer: 'https://app.test/' });
    expect(sent[2]?.headers['x-csrftoken']).toBeUndefined();
    expect(sent[2]?.headers.cookie).toBe('csrftoken=tok123; sessionid=s1');
    expect(secrets).toContain('tok123');
  });

  test('a step that sets its own header or Referer keeps it; no cookie yet is a failure that says why', async () => {
    const spec = parseSpec('checks', {
      journeys: [
        {
          name: 'custom',
          csrf: { cookie: 'XSRF-TOKEN', header: 'X-XSRF-TOKEN' },
          steps: [{ method: 'POST', url: '/api/items', json: { a: 1 } }],
        },
      ],
    });
    const { client, sent } = fakeClient([() => response(Buffer.from('{}'))]);
    const check = journeyCheck(spec.journeys[0] as never, {
      baseUrl: 'https://app.test/',
      requestTimeoutMs: 1000,
    });
    const results = await check.attempt({ client, signal: new AbortController().signal } as never);
    expect(sent).toHaveLength(0);
    expect(results).toEqual([
      {
        name: 'POST /api/items: csrf',
        passed: false,
        expected: 'cookie XSRF-TOKEN',
        seen: 'no cookie named XSRF-TOKEN was set by an earlier step (GET the form page first)',
      },
    ]);
  });
});
