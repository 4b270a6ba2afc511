import type { HostLine } from '../messages';
import type { LocalFile } from '../model/compose-files';
import type { HostSpec } from '../model/hosts';
import { remoteLayout, type RemoteLayout } from '../model/layout';
import type { RunContext } from '../model/run-context';
import { HostCredentials } from './credentials';
import type { SwitchSettings } from '../model/strategy';
import { HostReleases } from './releases';
import type { OpenShell } from './remote-shell';
import { HostSession, type SessionSettings } from './session';
import { HostState } from './state';

/** What a host is built from: how to reach it, and the release this run uploads. */
export interface HostSettings extends SessionSettings {
  composeFileNames: readonly string[];
  envFile?: LocalFile;
  /** How the host switches releases (default: recreate). */
  switching?: SwitchSettings;
}

/**
 * One host of the deploy, made of parts (Kamal's boot: a host, its commands, its state): the
 * session (shell, commands, log, timed steps), the state and its transitions, the releases on
 * the host, and the registry credentials. The phases in host/phases/ take a Host and, explicitly,
 * the version and settings they need.
 */
export class Host {
  readonly session: HostSession;
  readonly state = new HostState();
  readonly releases: HostReleases;
  readonly credentials: HostCredentials;
  readonly layout: RemoteLayout;

  constructor(
    readonly spec: HostSpec,
    settings: HostSettings,
    /** The run's identity, for lock owner files and release records. */
    readonly ctx: RunContext,
    openShell?: OpenShell,
  ) {
    this.session = new HostSession(spec, settings, openShell);
    this.layout = remoteLayout(spec.projectDir);
    this.releases = new HostReleases(
      this.session,
      this.layout,
      { files: settings.composeFileNames, env: settings.envFile !== undefined },
      () => (this.state.facts?.compose === 'v2' ? 'v2' : 'v1'),
      settings.switching,
    );
    this.credentials = new HostCredentials(this.session);
  }

  get name(): string {
    return this.spec.name;
  }

  /** This host failed: keep the typed error; say so in the log unless `verb` is ''. */
  fail(error: unknown, verb = 'failed'): void {
    const sentence = this.state.fail(error);
    if (verb !== '') this.session.log(`${verb}: ${sentence}`);
  }

  close(): void {
    this.session.close();
  }
}

/** The part of a host a failure sentence names. */
export function hostLine(host: Host): HostLine {
  const { status, previous, error, rollbackError } = host.state;
  return { name: host.name, status, previous, error, rollbackError };
}
