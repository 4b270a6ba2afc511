import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that gives every secret it is sent straight back, the worst a site under
 * smoke test can do: POST /echo answers the form fields and the request headers in a JSON body
 * and the headers again as x-echo-* response headers; /fail does the same with a 500. It is also
 * enough of a Django site for smoke-test's django suite (plain 404, static file, flagged cookies,
 * foreign Host refused, /metrics behind a Bearer token that it echoes back too).
 */
export interface EchoServer {
  url: string;
  /** Every response body it sent, to prove the secrets really came back. */
  sent: string[];
  close(): Promise<void>;
}

export async function startEchoServer(metricsToken: string): Promise<EchoServer> {
  const sent: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: string, headers: Record<string, string> = {}): void => {
        sent.push(body);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(body);
      };
      const url = new URL(req.url ?? '/', 'http://echo');
      const echoed = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => /token|authorization/i.test(name)),
      ) as Record<string, string>;
      if (!(req.headers.host ?? '').startsWith('127.0.0.1')) return answer(400, '{"error":"bad host"}');
      if (url.pathname === '/echo' || url.pathname === '/fail') {
        const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        const headers = Object.fromEntries(Object.values(echoed).map((value, i) => [`x-echo-${i}`, value]));
        return answer(
          url.pathname === '/echo' ? 200 : 500,
          JSON.stringify({ form, headers: echoed }),
          headers,
        );
      }
      if (url.pathname === '/metrics') {
        const auth = req.headers.authorization ?? '';
        const ok = auth === `Bearer ${metricsToken}`;
        return answer(auth === '' ? 401 : ok ? 200 : 403, JSON.stringify({ seen: auth }), {
          'x-seen-authorization': auth,
        });
      }
      if (url.pathname === '/static/admin/css/base.css') return answer(200, 'body {}');
      if (url.pathname === '/admin/login/')
        return answer(200, '<form></form>', {
          'set-cookie': 'csrftoken=abc; Secure; HttpOnly; SameSite=Lax',
        });
      answer(404, '{"error":"not found"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
