import { stringify } from 'yaml';
import { mdCode, mdHeading, mdTable } from '@deploy-kit/shared';

/** What one build produced, per service, once pushed (or not). */
export interface ServiceResult {
  service: string;
  repository: string;
  tags: string[];
  /** Manifest digest when pushed; the local image ID otherwise. */
  digest: string;
  pushed: boolean;
}

export interface BuildReport {
  services: string[];
  repositories: string[];
  tags: string[];
  digest: string;
  imageId: string;
  sizeBytes: number;
  buildMs: number;
  cacheHits: number;
  steps: number;
  pushed: boolean;
}

/** `registry/name:tag@sha256:…` when pushed; `registry/name:tag` (an image only present locally) otherwise. */
export function imageRef(result: ServiceResult): string {
  const tagged = `${result.repository}:${result.tags[0]}`;
  return result.pushed ? `${tagged}@${result.digest}` : tagged;
}

export function imagesOutput(results: readonly ServiceResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.service, imageRef(r)]));
}

export function digestsOutput(results: readonly ServiceResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.service, r.digest]));
}

export function tagsOutput(results: readonly ServiceResult[]): Record<string, string[]> {
  return Object.fromEntries(results.map((r) => [r.service, r.tags.map((t) => `${r.repository}:${t}`)]));
}

/**
 * A Compose override that pins each service to what was built. Pushed images
 * are pinned as `name@sha256:…`: with a digest the tag is ignored by the
 * engine, so leaving it out keeps a reader from trusting a tag that may have
 * moved since. Local-only images are pinned by their first tag. The base file's
 * `version:` is repeated because Compose refuses to merge files of different versions.
 */
export function composeOverride(results: readonly ServiceResult[], version?: string): string {
  const services = Object.fromEntries(
    results.map((r) => [
      r.service,
      { image: r.pushed ? `${r.repository}@${r.digest}` : `${r.repository}:${r.tags[0]}` },
    ]),
  );
  return stringify(version ? { version, services } : { services }, { lineWidth: 0 });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** `sha256:` and the first 12 hex digits of a digest or image id. */
export function shortId(id: string): string {
  return id.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1');
}

export function summaryMarkdown(
  reports: readonly BuildReport[],
  builder: string,
  title = 'build-images',
): string {
  const rows = reports.map((r) => [
    r.services.join(', '),
    r.repositories.flatMap((repo) => r.tags.map((t) => `${repo}:${t}`)).join('\n'),
    // Short ids as `docker images` shows them: the full digests are in the outputs.
    r.pushed ? shortId(r.digest) : `${shortId(r.imageId)} (not pushed)`,
    formatBytes(r.sizeBytes),
    `${(r.buildMs / 1000).toFixed(1)} s`,
    r.steps > 0 ? `${r.cacheHits}/${r.steps}` : `${r.cacheHits}`,
  ]);
  const builds = reports.length;
  const services = reports.reduce((n, r) => n + r.services.length, 0);
  return [
    mdHeading(title, 2),
    `${builds} build${builds === 1 ? '' : 's'} for ${services} service${services === 1 ? '' : 's'} with ${mdCode(builder)}.`,
    mdTable(['Services', 'Tags', 'Digest', 'Size', 'Build time', 'Cache hits'], rows),
  ].join('\n\n');
}
