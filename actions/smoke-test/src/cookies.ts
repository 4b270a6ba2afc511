import { getSetCookies, Headers, type Cookie } from 'undici';
import { headerValues, type HttpResponse } from '@deploy-kit/shared/http';

/** Parse a response's Set-Cookie headers with undici's RFC 6265 parser. */
export function responseCookies(res: Pick<HttpResponse, 'headers'>): Cookie[] {
  const headers = new Headers();
  for (const line of headerValues(res.headers, 'set-cookie')) headers.append('set-cookie', line);
  return getSetCookies(headers);
}

interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  /** Domain attribute given: also sent to subdomains. */
  hostOnly: boolean;
  path: string;
  secure: boolean;
}

/**
 * One cookie jar per journey: what a browser would keep between the steps of
 * a login (session and CSRF cookies), scoped by host, path and Secure.
 */
export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  store(res: Pick<HttpResponse, 'headers'>, requestUrl: string): void {
    const url = new URL(requestUrl);
    for (const c of responseCookies(res)) {
      const domain = (c.domain ?? url.hostname).replace(/^\./, '').toLowerCase();
      const path = c.path ?? '/';
      const key = `${domain};${path};${c.name}`;
      const expired =
        (c.maxAge !== undefined && c.maxAge <= 0) ||
        (c.expires instanceof Date && c.expires.getTime() <= Date.now()) ||
        (typeof c.expires === 'number' && c.expires <= Date.now());
      if (expired) {
        this.cookies.delete(key);
        continue;
      }
      this.cookies.set(key, {
        name: c.name,
        value: c.value,
        domain,
        hostOnly: c.domain === undefined,
        path,
        secure: c.secure === true,
      });
    }
  }

  /** The Cookie header for a request to `requestUrl`, or undefined when nothing applies. */
  header(requestUrl: string): string | undefined {
    const url = new URL(requestUrl);
    const host = url.hostname.toLowerCase();
    const pairs = [...this.cookies.values()]
      .filter((c) => (c.hostOnly ? host === c.domain : host === c.domain || host.endsWith(`.${c.domain}`)))
      .filter((c) => url.pathname.startsWith(c.path))
      .filter((c) => !c.secure || url.protocol === 'https:')
      .map((c) => `${c.name}=${c.value}`);
    return pairs.length > 0 ? pairs.join('; ') : undefined;
  }

  get(name: string): string | undefined {
    return [...this.cookies.values()].find((c) => c.name === name)?.value;
  }
}
