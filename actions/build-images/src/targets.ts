/** What to build, independent of where the list came from (Compose or the `targets` input). */
export interface BuildSpec {
  /** Absolute build context directory. */
  context: string;
  /** Absolute Dockerfile path. */
  dockerfile: string;
  args: Record<string, string>;
  target?: string;
  /** `docker build --network` (e.g. host: the sandbox's dockerd has no bridge). */
  network?: string;
}

export interface ServiceTarget {
  service: string;
  /** Compose `image:` (interpolated), when given; only its repository part is used. */
  image?: string;
  build: BuildSpec;
  /** Compose declares a healthcheck for this service (and does not disable it). */
  healthcheck: boolean;
  /** Where the service was declared, for error sentences: e.g. "compose-file 'docker-compose.yml'". */
  source: string;
}

/** One `docker build`: every service that shares this exact build definition is tagged from it. */
export interface BuildUnit {
  key: string;
  build: BuildSpec;
  services: ServiceTarget[];
}

/** Identity of a build: same context, Dockerfile, args, target and network produce the same image. */
export function buildKey(build: BuildSpec): string {
  const args = Object.keys(build.args)
    .sort()
    .map((k) => [k, build.args[k]]);
  return JSON.stringify([build.context, build.dockerfile, args, build.target ?? '', build.network ?? '']);
}

/** Group services by build definition, keeping first-seen order so logs follow the file. */
export function groupBuilds(targets: readonly ServiceTarget[]): BuildUnit[] {
  const units = new Map<string, BuildUnit>();
  for (const target of targets) {
    const key = buildKey(target.build);
    const unit = units.get(key);
    if (unit) unit.services.push(target);
    else units.set(key, { key, build: target.build, services: [target] });
  }
  return [...units.values()];
}

/** Action-level build args override the file's, as `docker-compose build --build-arg` does. */
export function withBuildArgs(
  targets: readonly ServiceTarget[],
  extra: Record<string, string>,
): ServiceTarget[] {
  if (Object.keys(extra).length === 0) return [...targets];
  return targets.map((t) => ({ ...t, build: { ...t.build, args: { ...t.build.args, ...extra } } }));
}
