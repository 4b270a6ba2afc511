import { parseDocument, stringify } from 'yaml';
import * as fs from 'node:fs';
import { InputError, parseYamlOrJson, workspaceRoot } from '@deploy-kit/shared';
import { releasePath, resolveIn } from './release-files';

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

/** A file uploaded into every release dir. */
export interface LocalFile {
  /** Name inside the release dir on the host. */
  name: string;
  content: Buffer;
}

export interface ComposeFiles {
  composeFiles: LocalFile[];
  composeFileNames: string[];
  /** Services with network_mode: host (a one-off migrate container of such a service runs on the host network too). */
  hostNetworkServices: string[];
}

/**
 * The 'compose-files' as they go to the host: each under its workspace path (relative paths
 * inside resolve as in the repository), build sections of pinned services dropped, and — unless
 * this is a rollback to a release made earlier — an override pinning 'images', generated as
 * YAML data, never by string templating.
 */
export function readComposeFiles(
  list: readonly string[],
  images: Record<string, string>,
  { pinImages, workingDir = workspaceRoot() }: { pinImages: boolean; workingDir?: string },
): ComposeFiles {
  const composeFiles: LocalFile[] = [];
  const hostNetworkServices: string[] = [];
  const composeFileNames: string[] = [];
  let composeVersion: unknown;
  for (const f of list) {
    const file = resolveIn(workingDir, 'compose-files', f);
    if (!fs.existsSync(file))
      throw new InputError(`'compose-files' entry ${f} does not exist in the workspace.`);
    // The workspace path, not the bare name: relative paths inside the file resolve as in the repository.
    const name = releasePath('compose-files', f, file);
    if (composeFileNames.includes(name)) throw new InputError(`'compose-files' lists ${f} twice.`);
    const content = fs.readFileSync(file);
    const doc = parseYamlOrJson(`compose-files (${f})`, content.toString('utf8')) as {
      version?: unknown;
      services?: Record<string, { network_mode?: unknown } | null>;
    } | null;
    if (composeVersion === undefined && doc && typeof doc === 'object') composeVersion = doc.version;
    for (const [service, spec] of Object.entries(doc?.services ?? {}))
      if (spec && spec.network_mode === 'host') hostNetworkServices.push(service);
    const deployable = dropBuildSections(f, content.toString('utf8'), new Set(Object.keys(images)));
    composeFiles.push({
      name,
      content: deployable.dropped.length > 0 ? Buffer.from(deployable.text, 'utf8') : content,
    });
    composeFileNames.push(name);
  }
  if (Object.keys(images).length > 0 && pinImages) {
    const override: Record<string, unknown> = {};
    if (composeVersion !== undefined) override.version = composeVersion;
    override.services = Object.fromEntries(Object.entries(images).map(([s, image]) => [s, { image }]));
    const name = 'deploy-kit.images.yml';
    composeFiles.push({ name, content: Buffer.from(JSON.stringify(override, null, 2) + '\n') });
    composeFileNames.push(name);
  }
  return { composeFiles, composeFileNames, hostNetworkServices };
}
