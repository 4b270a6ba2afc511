import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunActionResult } from '@deploy-kit/harness';
import { deploy, docker, knownHosts, sandbox, type Host } from './helpers';
import { getOnce } from './example-app';
import { makeCutApp, type CutApp, type CutImages } from './reuseport-app';

/**
 * One lane of the cut-at-every-step walk: its own project (dir, Compose project name, port) on a
 * host, deployed through the committed bundle. Lanes share nothing, so several run at once.
 */

export type Phase = 'deploy' | 'rollback';
export const SERVICES = ['web', 'worker'] as const;

/** The remote commands of one run as the hook lists them (DEPLOY_KIT_TEST_CUT=list): label by k. */
export function listedCommands(log: string): string[] {
  const out: string[] = [];
  for (const m of log.matchAll(/test-cut command (\d+): (.*)$/gm)) out[Number(m[1]) - 1] = m[2]!.trim();
  return out;
}

/** Where the hook cut (the line it logs when it drops the connection), or undefined. */
export function cutAt(log: string): { k: number; label: string } | undefined {
  const m = /test-cut: connection dropped (?:before|after) command (\d+) \((.*)\)$/m.exec(log);
  return m ? { k: Number(m[1]), label: m[2]!.trim() } : undefined;
}

export class Lane {
  readonly app: CutApp;
  readonly projectDir: string;
  readonly project: string;

  constructor(
    readonly kind: 'v1' | 'v2',
    readonly target: Host,
    private readonly images: CutImages,
    usedPorts: Set<number>,
  ) {
    this.app = makeCutApp(usedPorts);
    this.projectDir = `${target.workDir}/cut-${this.app.id}`;
    this.project = `cut${this.app.id}${kind}`;
  }

  /** deploy: 1.0.0 -> 1.1.0; rollback: rollback-to 1.0.0 (from 1.1.0). */
  run(phase: Phase | 'first', cut?: string, extra: Record<string, string> = {}): Promise<RunActionResult> {
    const t = this.target;
    const release: Record<string, string> =
      phase === 'rollback'
        ? { 'rollback-to': '1.0.0' }
        : { version: phase === 'first' ? '1.0.0' : '1.1.0', images: this.imagesInput(phase) };
    return deploy(
      { workspace: this.app.workspace } as never,
      {
        hosts: `- host: ${t.host}\n  port: ${t.port}\n  project-dir: ${this.projectDir}\n  project-name: ${this.project}`,
        user: sandbox.ssh.user,
        'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
        'known-hosts': knownHosts([t]),
        'project-dir': this.projectDir,
        'compose-files': 'docker-compose.yml',
        'env-file': 'app.env',
        'health-url': `http://${t.host}:${this.app.port}/version`,
        'health-timeout': '30s',
        'lock-timeout': '5s',
        ...release,
        ...extra,
      },
      { timeoutMs: 120_000, env: cut ? { DEPLOY_KIT_TEST_CUT: cut } : {} },
    );
  }

  private imagesInput(phase: 'deploy' | 'first'): string {
    const images = this.images[phase === 'first' ? '1.0.0' : '1.1.0']!;
    return Object.entries(images)
      .map(([s, i]) => `${s}=${i}`)
      .join('\n');
  }

  /** The project's containers of a service: id, state, health, image. */
  containers(service: string): { id: string; state: string; health: string; image: string }[] {
    const ids = docker([
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=${this.project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    ])
      .split('\n')
      .filter(Boolean);
    if (ids.length === 0) return [];
    return docker([
      'inspect',
      '-f',
      // `index`: a container without a healthcheck has no Health key (the CLI's template fails on `.State.Health`)
      '{{.Id}} {{.State.Status}} {{with index .State "Health"}}{{.Status}}{{else}}none{{end}} {{.Config.Image}}',
      ...ids,
    ])
      .trim()
      .split('\n')
      .map((l) => {
        const [id = '', state = '', health = '', image = ''] = l.split(' ');
        return { id, state, health, image };
      });
  }

  /**
   * '' when the host serves ONE whole release: every service runs exactly one container (web
   * healthy; the worker has no healthcheck), all of the same release; /version answers that release; `current` names it. Else what is wrong.
   * The health may still be settling just after a run: looked at again for up to 10 s.
   */
  async wholeRelease(): Promise<{ version?: string; problem: string }> {
    let last = { problem: 'not checked' } as { version?: string; problem: string };
    for (let i = 0; i < 20; i++) {
      last = await this.lookOnce();
      if (last.problem === '' || !/health|answers/.test(last.problem)) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
    return last;
  }

  private async lookOnce(): Promise<{ version?: string; problem: string }> {
    const versions = new Set<string>();
    for (const s of SERVICES) {
      const cs = this.containers(s);
      if (cs.length !== 1)
        return { problem: `${s} has ${cs.length} containers (${cs.map((c) => c.state).join(', ')})` };
      const c = cs[0]!;
      if (c.state !== 'running') return { problem: `${s} is ${c.state}` };
      if (c.health !== (s === 'web' ? 'healthy' : 'none')) return { problem: `${s} health is ${c.health}` };
      const v = Object.keys(this.images).find((ver) => this.images[ver]![s] === c.image);
      versions.add(v ?? c.image);
    }
    if (versions.size !== 1) return { problem: `mixed releases: ${[...versions].join(' + ')}` };
    const version = [...versions][0]!;
    const r = await getOnce(`http://${this.target.host}:${this.app.port}/version`, 5_000);
    const served = 'status' in r ? (/"version": "([^"]+)"/.exec(r.body)?.[1] ?? `HTTP ${r.status}`) : r.error;
    if (served !== version)
      return { version, problem: `web answers ${served}, its container runs ${version}` };
    const current = this.currentRelease();
    if (current !== version)
      return { version, problem: `current names ${current}, the host runs ${version}` };
    return { version, problem: '' };
  }

  currentRelease(): string | undefined {
    try {
      return path.basename(fs.readlinkSync(path.join(this.projectDir, 'current')));
    } catch {
      return undefined;
    }
  }

  get lockDir(): string {
    return path.join(this.projectDir, '.deploy-kit', 'lock');
  }

  remove(): void {
    const ids = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${this.project}`]).trim();
    if (ids) docker(['rm', '-f', ...ids.split('\n')]);
  }
}
