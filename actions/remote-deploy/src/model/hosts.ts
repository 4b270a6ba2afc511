import { InputError, parseYamlOrJson, validate } from '@deploy-kit/shared';
import {
  normaliseFingerprint,
  type HostKeyPolicy,
  type ParsedClientKey,
  type SshTarget,
} from '@deploy-kit/shared/ssh';
import { z } from 'zod';
import { checkHost, checkPort, checkProjectName, checkRemotePath, checkUser } from './validate';

/** One target, with the per-host overrides already resolved against the defaults. */
export interface HostSpec {
  /** Label in logs and the summary: `name` if given, else host[:port]. */
  name: string;
  host: string;
  port: number;
  user: string;
  /** Pinned SHA256 fingerprints for this host (in addition to known-hosts lines). */
  fingerprints: string[];
  /** Name of an environment variable holding this host's private key (overrides private-key). */
  keyEnv?: string;
  projectDir: string;
  projectName: string;
}

export interface HostDefaults {
  user: string;
  port: number;
  projectDir: string;
  projectName: string;
}

const entrySchema = z
  .object({
    host: z.string().min(1),
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.:@-]{1,64}$/, 'a name is letters, digits and _ . : @ -')
      .optional(),
    port: z.union([z.number().int(), z.string()]).optional(),
    user: z.string().optional(),
    fingerprint: z.union([z.string(), z.array(z.string())]).optional(),
    'private-key-env': z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    'project-dir': z.string().optional(),
    'project-name': z.string().optional(),
  })
  .strict();

type Entry = z.infer<typeof entrySchema>;

/** `[user@]host[:port] [SHA256:fingerprint ...]`, with `[v6::addr]:port` for IPv6. */
function parseLine(line: string): Entry {
  const [target, ...fingerprints] = line.trim().split(/\s+/) as [string, ...string[]];
  const at = target.lastIndexOf('@');
  const user = at >= 0 ? target.slice(0, at) : undefined;
  const rest = at >= 0 ? target.slice(at + 1) : target;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  let host: string;
  let port: string | undefined;
  if (bracket) [, host, port] = bracket as unknown as [string, string, string | undefined];
  else if ((rest.match(/:/g) ?? []).length === 1) [host, port] = rest.split(':') as [string, string];
  else host = rest;
  return { host, user, port, fingerprint: fingerprints.length > 0 ? fingerprints : undefined };
}

/**
 * The `hosts` input: a YAML list (strings or maps with overrides) or plain
 * lines / commas. Every host is validated and gets the defaults filled in.
 */
export function parseHosts(text: string, defaults: HostDefaults, inputName = 'hosts'): HostSpec[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(`'${inputName}' is required: give at least one host.`);
  let entries: Entry[];
  const looksYaml = /^\s*-\s/m.test(trimmed) || trimmed.startsWith('[');
  if (looksYaml) {
    const parsed = parseYamlOrJson(inputName, trimmed);
    const list = validate(inputName, z.array(z.union([z.string(), entrySchema])), parsed);
    entries = list.map((item) => (typeof item === 'string' ? parseLine(item) : item));
  } else {
    entries = trimmed
      .split(/\r?\n|,/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map(parseLine);
  }
  const hosts = entries.map((e) => {
    const host = checkHost(inputName, e.host);
    const port = e.port === undefined ? defaults.port : checkPort(inputName, e.port);
    const fingerprints = (e.fingerprint === undefined ? [] : [e.fingerprint].flat()).map((f) =>
      normaliseFingerprint(f, inputName),
    );
    return {
      name: e.name ?? (port === 22 ? host : `${host}:${port}`),
      host,
      port,
      user: checkUser(inputName, e.user ?? defaults.user),
      fingerprints,
      keyEnv: e['private-key-env'],
      projectDir: checkRemotePath(inputName, e['project-dir'] ?? defaults.projectDir),
      projectName: checkProjectName(inputName, e['project-name'] ?? defaults.projectName),
    };
  });
  const seen = new Set<string>();
  for (const h of hosts) {
    const key = `${h.host}:${h.port}:${h.projectDir}`;
    if (seen.has(key))
      throw new InputError(`'${inputName}' lists ${h.name} with project dir ${h.projectDir} twice.`);
    seen.add(key);
  }
  return hosts;
}

/** Default Compose project name: the project dir's last segment, lower-cased, as Compose itself would name it. */
export function defaultProjectName(projectDir: string): string {
  const base = projectDir.split('/').filter(Boolean).pop() ?? 'app';
  // Compose's own normalisation: lower case, only a-z 0-9 _ -, no leading _ or -.
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[-_]+/, '')
    .slice(0, 63);
  return name === '' ? 'app' : name;
}

/**
 * How to reach a host (or the jump host) over ssh2: the run's host-key policy plus the
 * fingerprints given on the host's own line, which trust that host and no other.
 */
export function sshTarget(
  spec: { host: string; port: number; user: string; name?: string; fingerprints: readonly string[] },
  key: ParsedClientKey,
  policy: HostKeyPolicy,
): SshTarget {
  return {
    name: spec.name,
    host: spec.host,
    port: spec.port,
    user: spec.user,
    key,
    hostKeys: { ...policy, fingerprints: [...policy.fingerprints, ...spec.fingerprints] },
  };
}
