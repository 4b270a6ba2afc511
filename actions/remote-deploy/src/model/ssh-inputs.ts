import { InputError, type InputReader } from '@deploy-kit/shared';
import {
  normaliseFingerprint,
  parseClientKey,
  parseKnownHosts,
  type HostKeyPolicy,
  type ParsedClientKey,
} from '@deploy-kit/shared/ssh';
import { defaultProjectName, parseHosts, type HostSpec } from './hosts';
import { checkHost, checkPort, checkProjectName, checkRemotePath, checkUser } from './validate';

/** How to reach the hosts: who they are, which keys log in, which host keys are trusted. */

export interface JumpHost {
  host: string;
  port: number;
  user: string;
}

export interface SshInputs {
  hosts: HostSpec[];
  key: ParsedClientKey;
  /** Per-host keys read from the environment variables named in `hosts`. */
  hostKeys: Map<string, ParsedClientKey>;
  hostKeyPolicy: HostKeyPolicy;
  jump?: JumpHost;
  /** The private keys' text (as given and normalised): secrets to mask before anything prints. */
  keyTexts: string[];
}

function parseJump(value: string, defaultUser: string): JumpHost | undefined {
  if (value === '') return undefined;
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value);
  if (!m) throw new InputError(`'jump-host' must be [user@]host[:port], got '${value}'.`);
  if (!m[1] && defaultUser === '') throw new InputError(`'user' is required and was empty.`);
  return {
    user: checkUser('jump-host', m[1] ?? defaultUser),
    host: checkHost('jump-host', (m[2] as string).replace(/^\[|\]$/g, '')),
    port: m[3] ? checkPort('jump-host', m[3]) : 22,
  };
}

/** `hosts` with the defaults (user, port, project-dir, project-name) filled in. */
function readHosts(read: InputReader): HostSpec[] {
  const projectDir = checkRemotePath('project-dir', read.string('project-dir', { required: true }));
  // Checked here, under the input the user gave: parseHosts reports only what 'hosts' itself sets.
  const projectNameInput = read.string('project-name');
  const projectName =
    projectNameInput !== ''
      ? checkProjectName('project-name', projectNameInput)
      : defaultProjectName(projectDir);
  const hosts = parseHosts(read.raw('hosts'), {
    user: read.string('user'),
    port: checkPort('port', read.string('port', { fallback: '22' })),
    projectDir,
    projectName,
  });
  if (hosts.some((h) => h.user === ''))
    throw new InputError(`'user' is required unless every host names its user.`);
  return hosts;
}

/** `known-hosts` lines and bare fingerprints, and `insecure-skip-host-key-check`. */
function readHostKeyPolicy(read: InputReader, hostCount: number): HostKeyPolicy {
  const fingerprints: string[] = [];
  const knownLines: string[] = [];
  for (const line of read.raw('known-hosts').split(/\r?\n/)) {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) continue;
    if (l.startsWith('SHA256:')) fingerprints.push(normaliseFingerprint(l));
    else knownLines.push(l);
  }
  if (fingerprints.length > 0 && hostCount > 1)
    throw new InputError(
      `'known-hosts' has bare SHA256 fingerprints but there are ${hostCount} hosts; give known_hosts lines, or a fingerprint per host in 'hosts'.`,
    );
  return {
    fingerprints,
    knownHosts: parseKnownHosts(knownLines.join('\n')),
    acceptAny: read.boolean('insecure-skip-host-key-check'),
  };
}

/**
 * The SSH side of the inputs. Per-host keys come from the environment variables `hosts` names
 * (`private-key-env`), read from `env`.
 */
export function readSshInputs(read: InputReader, env: NodeJS.ProcessEnv = process.env): SshInputs {
  const hosts = readHosts(read);
  const hostKeyPolicy = readHostKeyPolicy(read, hosts.length);
  const privateKey = read.raw('private-key');
  const passphrase = read.raw('passphrase');
  const keyTexts: string[] = [];
  const parseKey = (inputName: string, text: string): ParsedClientKey => {
    keyTexts.push(text, text.replace(/\r\n?/g, '\n').trim());
    return parseClientKey(text, passphrase, inputName);
  };
  if (privateKey.trim() === '' && hosts.some((h) => !h.keyEnv))
    throw new InputError(`'private-key' is required (or give every host a private-key-env).`);
  const key =
    privateKey.trim() === ''
      ? (undefined as unknown as ParsedClientKey)
      : parseKey('private-key', privateKey);
  const hostKeys = new Map<string, ParsedClientKey>();
  for (const h of hosts) {
    if (!h.keyEnv) continue;
    const text = env[h.keyEnv] ?? '';
    if (text.trim() === '')
      throw new InputError(
        `'hosts' names private-key-env ${h.keyEnv} for ${h.name}, but that variable is empty.`,
      );
    hostKeys.set(h.name, parseKey(`${h.keyEnv} (private key of ${h.name})`, text));
  }
  const jump = parseJump(read.string('jump-host'), read.string('user'));
  if (jump && !key)
    throw new InputError(`'private-key' is required with 'jump-host': it authenticates on the jump host.`);
  return { hosts, key, hostKeys, hostKeyPolicy, jump, keyTexts };
}
