import { parseDocument } from 'yaml';
import { InputError } from '@deploy-kit/shared';

/**
 * How a host switches releases (README "Zero-downtime releases"):
 *   zero-downtime  each serving service (serve-services) gets a new container BESIDE the old one
 *                  (`up --no-recreate --scale s=N+1`), the new one must turn healthy, then the old
 *                  one is stopped with its stop signal and grace period; the other services
 *                  (celery, beat, ...) are replaced by a plain `up -d` (stop, then start: never two).
 *   recreate       today's plain `up -d`: the old container stops before the new one starts.
 */
export type Strategy = 'zero-downtime' | 'recreate';
export const STRATEGIES: readonly Strategy[] = ['zero-downtime', 'recreate'];

/** The serving services when `serve-services` is not given (those the compose files define). */
export const DEFAULT_SERVE_SERVICES: readonly string[] = ['web', 'nginx'];

/** What the strategy needs to know of one service in the compose files (the last file wins). */
interface ServiceFacts {
  containerName: boolean;
  publishedPorts: boolean;
  hostNetwork: boolean;
  healthcheckDisabled: boolean;
  replicas: number;
  /** stop_grace_period in seconds (Compose's default: 10). */
  graceSeconds: number;
}

/** A Compose duration (`10s`, `1m30s`, `500ms`, `2h`) in whole seconds, rounded up; undefined if not one. */
export function composeDurationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Math.ceil(value);
  if (typeof value !== 'string' || !/^(\d+(\.\d+)?(h|ms|m|s|us))+$/.test(value.trim())) return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  let total = 0;
  for (const [, n, , u] of value.trim().matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us)/g))
    total += Number(n) * (unit[u as string] ?? 0);
  return Math.ceil(total);
}

/** Read the facts of every service from the compose files' texts (later files override earlier ones). */
export function serviceFacts(texts: readonly string[]): Map<string, ServiceFacts> {
  const facts = new Map<string, ServiceFacts>();
  for (const text of texts) {
    const doc = parseDocument(text, { merge: true }).toJS({ maxAliasCount: 1000 }) as {
      services?: Record<string, Record<string, unknown> | null>;
    } | null;
    for (const [name, spec] of Object.entries(doc?.services ?? {})) {
      if (!spec || typeof spec !== 'object') continue;
      const had = facts.get(name) ?? {
        containerName: false,
        publishedPorts: false,
        hostNetwork: false,
        healthcheckDisabled: false,
        replicas: 1,
        graceSeconds: 10,
      };
      const health = spec.healthcheck as { disable?: unknown; test?: unknown } | undefined;
      const deploy = spec.deploy as { replicas?: unknown } | undefined;
      facts.set(name, {
        containerName: had.containerName || typeof spec.container_name === 'string',
        publishedPorts: had.publishedPorts || (Array.isArray(spec.ports) && spec.ports.length > 0),
        hostNetwork: spec.network_mode === undefined ? had.hostNetwork : spec.network_mode === 'host',
        healthcheckDisabled:
          health === undefined
            ? had.healthcheckDisabled
            : health.disable === true || (Array.isArray(health.test) && health.test[0] === 'NONE'),
        replicas:
          typeof spec.scale === 'number'
            ? spec.scale
            : typeof deploy?.replicas === 'number'
              ? deploy.replicas
              : had.replicas,
        graceSeconds: composeDurationSeconds(spec.stop_grace_period) ?? had.graceSeconds,
      });
    }
  }
  return facts;
}

/**
 * The services this deploy overlaps: the given `serve-services` (or the default names) that the
 * compose files define. A service the strategy cannot overlap is a clear sentence BEFORE anything
 * changes; with the default list, a defaulted service that publishes host ports (nginx on a bridge
 * network, publishing 80/443) is replaced in place instead, and `notes` says so.
 */
export function overlappedServices(
  facts: ReadonlyMap<string, ServiceFacts>,
  given: readonly string[],
  notes: string[] = [],
): string[] {
  const explicit = given.length > 0;
  const wanted = (explicit ? given : DEFAULT_SERVE_SERVICES).filter((s) => facts.has(s) || explicit);
  const chosen: string[] = [];
  for (const name of wanted) {
    const f = facts.get(name);
    if (!f) throw new InputError(`'serve-services' names ${name}, which no file of 'compose-files' defines.`);
    const problem = f.containerName
      ? `has a fixed container_name, so a second container of it cannot start beside the first`
      : f.publishedPorts
        ? `publishes a host port (ports:), which a second container of it cannot bind while the first holds it`
        : f.healthcheckDisabled
          ? `has its healthcheck disabled, so there is no way to know when the new container is ready`
          : f.replicas !== 1
            ? `runs ${f.replicas} replicas; zero-downtime replaces one container per service`
            : '';
    if (problem === '') {
      chosen.push(name);
      continue;
    }
    if (!explicit && name !== 'web' && f.publishedPorts && !f.containerName) {
      notes.push(
        `${name} publishes a host port: it is replaced in place (stop, then start), not overlapped.`,
      );
      continue;
    }
    throw new InputError(
      `'strategy: zero-downtime' cannot switch ${name} without a gap: it ${problem}. Remove that from the compose file, leave ${name} out of 'serve-services', or set 'strategy: recreate'.`,
    );
  }
  return chosen;
}

/** How a host switches (model/strategy.ts): what `HostReleases.up` needs besides the release. */
export interface SwitchSettings {
  strategy: Strategy;
  /** The services overlapped under zero-downtime (checked against the compose files on the runner). */
  serveServices: readonly string[];
  /** `docker stop -t` for the old containers: the longest stop_grace_period of the serving services. */
  stopGraceSeconds: number;
  /** How long a new container may take to turn healthy (health-timeout). */
  healthTimeoutMs: number;
  /** How long a healthy new container must then stay up (host network: its healthcheck may reach the old copy). */
  settleSeconds: number;
  /** What the deploy's summary says about the choice (a defaulted service replaced in place). */
  notes?: string[];
}

export const RECREATE: SwitchSettings = {
  strategy: 'recreate',
  serveServices: [],
  stopGraceSeconds: 10,
  healthTimeoutMs: 120_000,
  settleSeconds: 0,
};

/** On the host network a healthy new copy must stay up this long (gunicorn gives up binding after 5 tries, 1 s apart). */
export const HOST_NETWORK_SETTLE_SECONDS = 6;

/**
 * The switch settings of a deploy: `strategy`, and under zero-downtime the serving services, from
 * the compose files when this run uploads them (checked, a sentence before anything changes) or,
 * for a rollback-to without compose files, the given or default names (the host keeps those its
 * release defines).
 */
export function switchSettings(
  strategy: Strategy,
  composeTexts: readonly string[],
  given: readonly string[],
  healthTimeoutMs: number,
  notes: string[] = [],
): SwitchSettings {
  if (strategy === 'recreate') return { ...RECREATE, healthTimeoutMs };
  if (composeTexts.length === 0)
    return {
      strategy,
      serveServices: given.length > 0 ? given : DEFAULT_SERVE_SERVICES,
      stopGraceSeconds: 30,
      healthTimeoutMs,
      settleSeconds: HOST_NETWORK_SETTLE_SECONDS,
    };
  const facts = serviceFacts(composeTexts);
  const serveServices = overlappedServices(facts, given, notes);
  const graces = serveServices.map((s) => facts.get(s)?.graceSeconds ?? 10);
  const hostNetwork = serveServices.some((s) => facts.get(s)?.hostNetwork);
  return {
    strategy,
    serveServices,
    stopGraceSeconds: Math.max(10, ...graces),
    healthTimeoutMs,
    settleSeconds: hostNetwork ? HOST_NETWORK_SETTLE_SECONDS : 0,
    notes,
  };
}
