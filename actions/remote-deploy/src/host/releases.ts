import { compose, release, type RemoteScript } from '../commands';
import type { ComposeKind, ComposeProject } from '../commands/compose';
import { StepFailed } from '../model/errors';
import { ENV_FILE_NAME, releaseDir, type RemoteLayout } from '../model/layout';
import { isReleasePath } from '../model/release-files';
import { RECREATE, type SwitchSettings } from '../model/strategy';
import { overlapServices } from './overlap';
import type { HostSession } from './session';

/** Which files a release dir holds: its compose files, and whether it has an env file. */
export interface ReleaseFileList {
  files: readonly string[];
  env: boolean;
}

/**
 * The releases on one host: where each lives, which compose files and env file it was made with
 * (a rollback runs the previous release with its own files, read back from the host), and the
 * Compose project and commands of a release.
 */
export class HostReleases {
  private readonly known = new Map<string, ReleaseFileList>();

  constructor(
    private readonly session: HostSession,
    readonly layout: RemoteLayout,
    /** The files this run uploads (a release made by this run). */
    private readonly uploaded: ReleaseFileList,
    /** Compose v1 or v2, once the probe found out. */
    private readonly composeKind: () => ComposeKind,
    /** How `up` switches: zero-downtime overlaps the serving services first (host/overlap.ts). */
    private readonly switching: SwitchSettings = RECREATE,
  ) {}

  dir(version: string): string {
    return releaseDir(this.layout, version);
  }

  /** The Compose project of a release: its own files (a rollback uses what an earlier run uploaded). */
  project(version: string): ComposeProject {
    const known = this.known.get(version) ?? this.uploaded;
    return {
      kind: this.composeKind(),
      project: this.session.spec.projectName,
      files: known.files,
      envFile: known.env,
      dir: this.dir(version),
    };
  }

  /** Run argv in a release's dir, with DEPLOY_HOST / DEPLOY_VERSION exported for Compose. */
  inRelease(version: string, argv: readonly string[]): RemoteScript {
    return release.inDir(this.dir(version), this.session.spec.host, version, argv);
  }

  /** A Compose subcommand of a release, run in its dir. */
  compose(version: string, build: (project: ComposeProject) => string[]): RemoteScript {
    return this.inRelease(version, build(this.project(version)));
  }

  /** Learn which files an existing release dir holds (rollback and rollback-to use releases made by earlier runs). */
  async load(version: string): Promise<void> {
    if (this.known.has(version)) return;
    const r = await this.session.run('reading release files', release.readFiles(this.dir(version)), true);
    const lines = r.stdout.split('\n').filter((l) => l === ENV_FILE_NAME || isReleasePath(l));
    const files = lines.filter((l) => l !== ENV_FILE_NAME);
    if (files.length === 0)
      throw new StepFailed(`release ${version} on ${this.session.name} has no recorded compose files`);
    this.known.set(version, { files, env: lines.includes(ENV_FILE_NAME) });
  }

  remember(version: string, list: ReleaseFileList): void {
    this.known.set(version, list);
  }

  /**
   * Switch to a release: under zero-downtime the serving services first overlap (new beside old,
   * healthy, old stopped gracefully); then `compose up -d` replaces the rest (celery, beat: stop,
   * then start, never two at once), then `current` points at it. `strategy` overrides the input
   * (a cancelled run puts the previous release back with a plain, fast `up -d`).
   */
  async up(version: string, services: readonly string[], strategy = this.switching.strategy): Promise<void> {
    if (strategy === 'zero-downtime')
      await overlapServices(this.session, this, version, services, this.switching);
    await this.session.run(
      `compose up of ${version}`,
      this.compose(version, (p) => compose.up(p, services)),
    );
    await this.session.run(
      'pointing current at the release',
      release.switchCurrent(this.layout.projectDir, version),
      true,
    );
  }
}
