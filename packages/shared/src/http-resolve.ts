import * as net from 'node:net';
import { InputError } from './errors';

/**
 * Pinned resolution (curl's --resolve): connect to an address of our choosing for host:port while
 * the URL, the Host header and TLS verification keep the real host name. Shared by HttpClient and
 * probeTls, so a check and its TLS probe reach the same server.
 */

export interface ResolveRule {
  host: string;
  /** Port as a number; the rule applies only to connections to this port (like curl). */
  port: number;
  address: string;
}

/** Parse `host:port:address` entries (curl --resolve), one per line or comma-separated. */
export function parseResolve(inputName: string, value: string): ResolveRule[] {
  const rules: ResolveRule[] = [];
  for (const raw of value.split(/\r?\n|,/)) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5}):(\[[^\]]+\]|[^[\]]+)$/.exec(entry);
    const address = match?.[3]?.replace(/^\[|\]$/g, '') ?? '';
    const port = Number(match?.[2]);
    if (!match || net.isIP(address) === 0 || port < 1 || port > 65535)
      throw new InputError(
        `'${inputName}' entries must look like host:port:address with an IP address (e.g. app.example.com:443:127.0.0.1), got '${entry}'.`,
      );
    rules.push({ host: (match[1] as string).replace(/^\[|\]$/g, '').toLowerCase(), port, address });
  }
  return rules;
}

/** The address to connect to for host:port, or undefined when no rule pins it. */
export function pinnedAddress(rules: readonly ResolveRule[], host: string, port: number): string | undefined {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return rules.find((r) => r.host === h && r.port === port)?.address;
}
