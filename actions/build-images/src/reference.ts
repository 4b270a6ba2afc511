import { InputError } from '@deploy-kit/shared';

/**
 * Image references, after distribution/reference (the grammar the Docker CLI
 * and every registry use). Names are lower-cased first because registries
 * refuse upper case and `GITHUB_REPOSITORY` often has it; the check that
 * follows then catches everything else (spaces, leading separators, ...).
 */

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isValidDigest(digest: string): boolean {
  return DIGEST.test(digest);
}

/** `https://GHCR.io/` -> `ghcr.io`; the where-phrase names the input for the error sentence. */
export function normalizeRegistry(value: string, where: string): string {
  const host = value
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
  if (host === '') return '';
  if (!DOMAIN.test(host))
    throw new InputError(`${where} '${value}' is not a registry host such as ghcr.io or 127.0.0.1:5000.`);
  return host;
}

export interface ImageName {
  /** Registry host[:port], empty for Docker Hub style names without one. */
  domain: string;
  /** Repository path inside the registry, e.g. org/app/web. */
  path: string;
  tag?: string;
  digest?: string;
}

/** The first component is a registry host when it looks like one (a dot, a port, or localhost). */
function looksLikeDomain(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component.startsWith('[')
  );
}

/** Parse and validate `[domain/]path[:tag][@digest]`, lower-casing the domain and path. */
export function parseImageName(value: string, where: string): ImageName {
  const text = value.trim();
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isValidDigest(digest))
      throw new InputError(
        `${where} '${value}' has an invalid digest '${digest}' (expected sha256:<64 hex>).`,
      );
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag))
      throw new InputError(
        `${where} '${value}' has an invalid tag '${tag}' (letters, digits, _ . - only, at most 128, not starting with . or -).`,
      );
  }
  const parts = rest.split('/');
  let domain = '';
  if (parts.length > 1 && looksLikeDomain(parts[0] as string)) {
    domain = (parts.shift() as string).toLowerCase();
    if (!DOMAIN.test(domain))
      throw new InputError(`${where} '${value}' has an invalid registry host '${domain}'.`);
  }
  const path = parts.join('/').toLowerCase();
  const bad = path.split('/').find((c) => !COMPONENT.test(c));
  if (bad !== undefined)
    throw new InputError(
      `${where} '${value}' is not a valid image name: the part '${bad}' must be lower-case letters and digits joined by single . _ __ or - separators.`,
    );
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export function repositoryOf(name: Pick<ImageName, 'domain' | 'path'>): string {
  return name.domain ? `${name.domain}/${name.path}` : name.path;
}

/**
 * The repository an image is pushed to: the Compose `image:` name (its tag is
 * ignored: tags come from the `tags` rules) or `<prefix>/<service>`, with the
 * registry in front when the name has none. A name that names another
 * registry than `registry` is refused rather than silently rewritten.
 */
export function resolveRepository(options: {
  service: string;
  composeImage?: string;
  registry: string;
  prefix: string;
  where: string;
}): string {
  const { service, composeImage, registry, prefix, where } = options;
  const raw = composeImage ?? [prefix, service].filter((p) => p !== '').join('/');
  const name = parseImageName(raw, where);
  if (name.domain && registry && name.domain !== registry)
    throw new InputError(
      `${where} '${raw}' names the registry '${name.domain}' but 'registry' is '${registry}'; use one of them.`,
    );
  return repositoryOf({ domain: name.domain || registry, path: name.path });
}
