import { InputError } from '@deploy-kit/shared';

/**
 * Allow-lists for every value that ends up as a remote argument or path. Values
 * are quoted anyway (shellCommand); refusing odd characters up front means a
 * `$(id)` or a newline is reported as an input error instead of becoming a
 * strangely named directory on the server.
 */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const PATH_SEGMENT = /^[A-Za-z0-9_.@+-]+$/;
// Docker reference: [registry[:port]/]name[:tag][@sha256:digest]
const IMAGE =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const HOSTNAME =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const USER = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;

function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

export function checkVersion(input: string, value: string): string {
  if (!VERSION.test(value))
    throw new InputError(
      `'${input}' must be a release name of letters, digits and . _ + - (at most 128, not starting with a symbol), got ${show(value)}.`,
    );
  return value;
}

export function checkService(input: string, value: string): string {
  if (!SERVICE.test(value))
    throw new InputError(
      `'${input}' has service ${show(value)}; a Compose service name is letters, digits and _ . -.`,
    );
  return value;
}

export function checkProjectName(input: string, value: string): string {
  if (!PROJECT_NAME.test(value))
    throw new InputError(
      `'${input}' must be a Compose project name (lower-case letters, digits, _ and -, starting with a letter or digit, at most 63), got ${show(value)}.`,
    );
  return value;
}

export function checkImage(input: string, value: string): string {
  if (!IMAGE.test(value))
    throw new InputError(
      `'${input}' has ${show(value)}, which is not a Docker image reference (name[:tag][@sha256:digest]).`,
    );
  return value;
}

/**
 * Absolute or home-relative path made of plain segments: no `..`, no spaces, no shell
 * metacharacters, and no segment starting with `-` (remote commands end their options with `--`
 * as well, but a path that reads as an option is refused before any host is contacted).
 */
export function checkRemotePath(input: string, value: string): string {
  const segments = value.split('/').filter((s, i) => !(i === 0 && s === ''));
  const ok =
    value !== '' &&
    !value.endsWith('/') &&
    segments.length > 0 &&
    segments.every((s) => PATH_SEGMENT.test(s) && s !== '.' && s !== '..' && !s.startsWith('-'));
  if (!ok)
    throw new InputError(
      `'${input}' must be a directory path of plain segments (letters, digits, _ . @ + -; none starting with '-'; no '..', no trailing '/'), got ${show(value)}.`,
    );
  return value;
}

export function checkHost(input: string, value: string): string {
  if (HOSTNAME.test(value) || (value.includes(':') && IPV6.test(value))) return value;
  throw new InputError(`'${input}' has host ${show(value)}, which is not a host name or IP address.`);
}

export function checkUser(input: string, value: string): string {
  if (!USER.test(value))
    throw new InputError(`'${input}' has user ${show(value)}, which is not a valid login name.`);
  return value;
}

export function checkPort(input: string, value: number | string): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InputError(`'${input}' has port ${show(String(value))}; a port is a number from 1 to 65535.`);
  return n;
}

/**
 * An http(s) URL, with the `{host}` and `{version}` placeholders allowed where a host name or
 * path segment goes. Fetched by curl/wget on the host: anything else (an option such as `-K`,
 * a file: URL) is refused here.
 */
export function checkHttpUrl(input: string, value: string): string {
  if (value === '') return value;
  const probe = value.replace(/\{host\}/g, 'host.invalid').replace(/\{version\}/g, 'v');
  let url: URL | undefined;
  try {
    url = /^https?:\/\//i.test(probe) ? new URL(probe) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || /[\s'"\\`]/.test(value))
    throw new InputError(
      `'${input}' must be an http:// or https:// URL ({host} and {version} are replaced per host), got ${show(value)}.`,
    );
  return value;
}
