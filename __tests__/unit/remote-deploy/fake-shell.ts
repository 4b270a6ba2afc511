import type { ExecOptions, ExecResult, ParsedClientKey } from '@deploy-kit/shared/ssh';
import type { HostSpec } from '../../../actions/remote-deploy/src/model/hosts';
import type { Inputs } from '../../../actions/remote-deploy/src/inputs';
import type { OpenShell, RemoteShell } from '../../../actions/remote-deploy/src/host/remote-shell';

/** One call a phase made on a host. */
export type Call =
  | { kind: 'script'; host: string; script: string; args: string[] }
  | { kind: 'exec'; host: string; argv: string[]; stdin?: unknown }
  | { kind: 'upload'; host: string; path: string; content: string; mode?: number };

/** What the fake host answers: stdout, or a whole (partial) result. */
export type Answer = string | Partial<ExecResult>;

export function result(answer: Answer | undefined): ExecResult {
  const a = typeof answer === 'string' ? { stdout: answer } : (answer ?? {});
  return {
    command: 'fake',
    exitCode: 0,
    signal: null,
    stdout: '',
    stderr: '',
    stdoutBytes: 0,
    stderrBytes: 0,
    truncated: false,
    durationMs: 1,
    timedOut: false,
    ...a,
  };
}

/**
 * A RemoteShell that records every call and answers from `respond` (a fake host). Throwing
 * from respond is a lost connection / SFTP failure.
 */
export class FakeShell implements RemoteShell {
  isOpen = true;
  constructor(
    readonly host: string,
    readonly calls: Call[],
    private readonly respond: (call: Call) => Answer | undefined | Promise<Answer | undefined>,
  ) {}

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const call: Call = { kind: 'exec', host: this.host, argv: [...argv], stdin: options.stdin };
    this.calls.push(call);
    return result(await this.respond(call));
  }

  async script(script: string, args: readonly string[] = []): Promise<ExecResult> {
    const call: Call = { kind: 'script', host: this.host, script, args: [...args] };
    this.calls.push(call);
    return result(await this.respond(call));
  }

  async upload(path: string, content: string | Buffer, mode?: number): Promise<void> {
    const call: Call = { kind: 'upload', host: this.host, path, content: content.toString(), mode };
    this.calls.push(call);
    await this.respond(call);
  }

  close(): void {
    this.isOpen = false;
  }
}

/** An OpenShell giving each host a FakeShell over one shared call list. */
export function fakeHosts(respond: (call: Call) => Answer | undefined | Promise<Answer | undefined>): {
  calls: Call[];
  open: OpenShell;
} {
  const calls: Call[] = [];
  return { calls, open: async (target) => new FakeShell(target.name ?? target.host, calls, respond) };
}

export function hostSpec(name: string): HostSpec {
  return {
    name,
    host: name,
    port: 22,
    user: 'deploy',
    fingerprints: [],
    projectDir: '/srv/app',
    projectName: 'app',
  };
}

const key: ParsedClientKey = { text: 'k', type: 'ssh-ed25519', publicFingerprint: 'SHA256:x' };

/** Inputs as parseInputs would give them for a plain deploy of 2.0 to `hosts`. */
export function inputs(overrides: Partial<Inputs> = {}, hosts = ['h1']): Inputs {
  return {
    secretValues: ['s3cret'],
    secrets: ['s3cret'],
    hostNetworkServices: [],
    hosts: hosts.map(hostSpec),
    key,
    hostKeys: new Map(),
    hostKeyPolicy: { fingerprints: [], knownHosts: [] },
    composeFiles: [{ name: 'compose.yml', content: Buffer.from('services: {}\n') }],
    composeFileNames: ['compose.yml'],
    shippedFiles: [],
    images: {},
    services: [],
    version: '2.0',
    dryRun: false,
    transfer: 'registry',
    migrateCommand: [],
    staticCommand: [],
    migrateService: 'web',
    onIrreversible: 'stop',
    backup: 'none',
    hupServices: [],
    nginxReload: 'none',
    backupService: 'db',
    backupKeep: 5,
    backupOnly: false,
    backupVolumes: [],
    backupPaths: [],
    backupMaxAgeMinutes: 0,
    backupVerify: 'none',
    backupVerifyQuery: '',
    backupVerifyMinRows: 1,
    preCommand: '',
    postCommand: '',
    healthUrl: '',
    healthExpect: '',
    healthTimeoutMs: 0,
    healthcheck: 'compose',
    parallel: 4,
    maxUnavailable: { percent: 100 },
    switching: {
      strategy: 'recreate',
      serveServices: [],
      stopGraceSeconds: 10,
      healthTimeoutMs: 0,
      settleSeconds: 0,
    },
    lockTimeoutMs: 0,
    lockExpiryMs: 3_600_000,
    commandTimeoutMs: 60_000,
    connectTimeoutMs: 1_000,
    ...overrides,
  };
}

export const context = {
  token: 'tok-0123456789abcdef',
  actor: 'a',
  repository: 'o/r',
  run: '1.1',
  runner: 'r',
};

export const FACTS = 'previous=1.0\nrelease_exists=yes\ncompose=v2\nfree_kb=1048576\nlocked=no\n';
export const HEALTHY = '/app-web-1 running healthy web\n';
