import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { InputError } from '@deploy-kit/shared';
import { interpolate, type Env } from './interpolate';
import type { ServiceTarget } from './targets';

/**
 * Build targets from a Compose file: every service with `build:` (string
 * context or the long form with context, dockerfile, args, target, network).
 * Paths are resolved like Compose does: context against the file's directory,
 * dockerfile against the context. Only the fields we build from are
 * interpolated, so an unset variable elsewhere in the file cannot fail a build.
 */

export interface ComposeFile {
  /** Display name used in error sentences (workspace-relative). */
  name: string;
  /** Absolute path. */
  file: string;
  version?: string;
  /** Every service name in the file (with or without build:). */
  services: string[];
  targets: ServiceTarget[];
}

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalar(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return undefined;
}

export function parseCompose(text: string, file: string, name: string, env: Env): ComposeFile {
  // merge: Compose files commonly share settings through YAML merge keys (`<<: *app`).
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, merge: true });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const pos = error?.linePos?.[0];
    throw new InputError(
      `compose-file '${name}' is not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${error?.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isDict(root) || !isDict(root.services))
    throw new InputError(`compose-file '${name}' has no 'services:' mapping.`);
  const dir = path.dirname(file);
  const targets: ServiceTarget[] = [];
  for (const [service, spec] of Object.entries(root.services)) {
    if (!isDict(spec) || spec.build === undefined) continue;
    const where = `service '${service}' in compose-file '${name}'`;
    const text = (value: unknown, field: string): string | undefined => {
      const s = scalar(value);
      if (value !== undefined && value !== null && s === undefined)
        throw new InputError(`${where} has a '${field}' that is not a string.`);
      return s === undefined ? undefined : interpolate(s, env, `${field} of ${where}`);
    };
    const build: Dict = isDict(spec.build) ? spec.build : { context: spec.build };
    const contextText = text(build.context, 'build.context') ?? '.';
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(contextText) || contextText.startsWith('git@'))
      throw new InputError(
        `${where} builds from the remote context '${contextText}'; only local directories are supported.`,
      );
    if (build.dockerfile_inline !== undefined)
      throw new InputError(
        `${where} uses dockerfile_inline, which is not supported; put the Dockerfile in the repository.`,
      );
    const context = path.resolve(dir, contextText);
    const dockerfile = path.resolve(context, text(build.dockerfile, 'build.dockerfile') ?? 'Dockerfile');
    const args = parseArgs(build.args, env, where);
    const target = text(build.target, 'build.target');
    const network = text(build.network, 'build.network');
    const image = text(spec.image, 'image');
    const hc = spec.healthcheck;
    const healthcheck = isDict(hc) && hc.disable !== true && hc.test !== undefined && !isNoneTest(hc.test);
    targets.push({
      service,
      ...(image ? { image } : {}),
      build: { context, dockerfile, args, ...(target ? { target } : {}), ...(network ? { network } : {}) },
      healthcheck,
      source: `compose-file '${name}'`,
    });
  }
  const version = scalar(root.version);
  return { name, file, ...(version ? { version } : {}), services: Object.keys(root.services), targets };
}

function isNoneTest(test: unknown): boolean {
  return Array.isArray(test) && test[0] === 'NONE';
}

/** `args:` as a mapping or a list of `KEY=VALUE` / `KEY` (value from the environment, dropped when unset). */
function parseArgs(value: unknown, env: Env, where: string): Record<string, string> {
  const args: Record<string, string> = {};
  if (value === undefined || value === null) return args;
  const put = (key: string, raw: string | undefined): void => {
    if (raw === undefined) {
      const fromEnv = env[key];
      if (fromEnv !== undefined) args[key] = fromEnv;
      return;
    }
    args[key] = interpolate(raw, env, `build.args.${key} of ${where}`);
  };
  if (Array.isArray(value)) {
    for (const item of value) {
      const s = scalar(item);
      if (s === undefined) throw new InputError(`${where} has a build.args entry that is not a string.`);
      const eq = s.indexOf('=');
      if (eq < 0) put(s, undefined);
      else put(s.slice(0, eq), s.slice(eq + 1));
    }
  } else if (isDict(value)) {
    for (const [key, raw] of Object.entries(value)) put(key, raw === null ? undefined : scalar(raw));
  } else {
    throw new InputError(`${where} has build.args that is neither a mapping nor a list.`);
  }
  return args;
}

/**
 * Keep only the services named in the `services` input. Naming a service that
 * does not exist, or one without `build:`, is a mistake worth stopping on.
 */
export function filterServices(compose: ComposeFile, wanted: readonly string[]): ServiceTarget[] {
  if (wanted.length === 0) return compose.targets;
  const buildable = new Map(compose.targets.map((t) => [t.service, t]));
  return wanted.map((service) => {
    const target = buildable.get(service);
    if (target) return target;
    const known = [...buildable.keys()].join(', ') || 'none';
    if (compose.services.includes(service))
      throw new InputError(
        `'services' names '${service}', which has no build: in compose-file '${compose.name}' (services with build: ${known}).`,
      );
    throw new InputError(
      `'services' names '${service}', which is not in compose-file '${compose.name}' (services with build: ${known}).`,
    );
  });
}
