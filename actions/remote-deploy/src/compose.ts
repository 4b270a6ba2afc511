import { isMap, parseDocument } from 'yaml';
import { InputError } from '@deploy-kit/shared';

/**
 * A deploy runs images; it never builds on a host. Compose (v1 and v2) still checks that every
 * `build:` context exists before `up`, and the same Compose file is usually the one build-images
 * read on the runner. So `build:` is dropped from the uploaded copy of each service that has an
 * image (its own `image:` or one pinned by the `images` input). A service that would have to be
 * built on the host is refused. Files without `build:` are uploaded byte for byte.
 */
export function dropBuildSections(
  fileLabel: string,
  text: string,
  pinned: ReadonlySet<string>,
): { text: string; dropped: string[] } {
  const doc = parseDocument(text, { uniqueKeys: true });
  const services = doc.get('services');
  if (!isMap(services)) return { text, dropped: [] };
  const dropped: string[] = [];
  for (const item of services.items) {
    const name = String((item.key as { value?: unknown })?.value ?? item.key);
    const spec = item.value;
    if (!isMap(spec) || !spec.has('build')) continue;
    if (!spec.has('image') && !pinned.has(name))
      throw new InputError(
        `'compose-files' ${fileLabel}: service ${name} has build: but no image:, and 'images' does not pin it; remote-deploy never builds on a host, so give the service an image.`,
      );
    spec.delete('build');
    dropped.push(name);
  }
  return dropped.length === 0 ? { text, dropped } : { text: doc.toString(), dropped };
}
