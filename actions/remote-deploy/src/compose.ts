import { parseDocument, stringify } from 'yaml';
import { InputError } from '@deploy-kit/shared';

/**
 * A deploy runs images; it never builds on a host. Compose (v1 and v2) still checks that every
 * `build:` context exists before `up`, and the same Compose file is usually the one build-images
 * read on the runner. So `build:` is dropped from the uploaded copy of each service that has an
 * image (its own `image:` or one pinned by the `images` input). A service that would have to be
 * built on the host is refused. Files without `build:` are uploaded byte for byte; a file with
 * one is uploaded as the equivalent plain YAML (merge keys resolved, so a `build:` inherited
 * through `<<: *anchor` goes too).
 */
export function dropBuildSections(
  fileLabel: string,
  text: string,
  pinned: ReadonlySet<string>,
): { text: string; dropped: string[] } {
  const doc = parseDocument(text, { uniqueKeys: true, merge: true });
  const compose = doc.toJS({ maxAliasCount: 1000 }) as { services?: Record<string, unknown> } | null;
  const services = compose?.services;
  if (!services || typeof services !== 'object') return { text, dropped: [] };
  const dropped: string[] = [];
  for (const [name, spec] of Object.entries(services)) {
    if (!spec || typeof spec !== 'object' || !('build' in spec)) continue;
    if (!('image' in spec) && !pinned.has(name))
      throw new InputError(
        `'compose-files' ${fileLabel}: service ${name} has build: but no image:, and 'images' does not pin it; remote-deploy never builds on a host, so give the service an image.`,
      );
    delete (spec as Record<string, unknown>).build;
    dropped.push(name);
  }
  return dropped.length === 0 ? { text, dropped } : { text: stringify(compose), dropped };
}
