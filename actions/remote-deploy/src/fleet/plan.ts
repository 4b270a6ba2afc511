import type { Host } from '../host/host';
import { backupHost } from '../host/phases/backup';
import { hasHealthGate, healthGate } from '../host/phases/health';
import { checkHealthchecks } from '../host/phases/healthchecks';
import { load, login, pull } from '../host/phases/images';
import { takeLock } from '../host/phases/lock';
import { checkRollbackTarget, connect, probeHost, upload } from '../host/phases/prepare';
import { hasReloads, reloadHost } from '../host/phases/reload';
import { hook, oneOff, switchTo } from '../host/phases/release';
import { overlapped } from '../host/overlap';
import type { Inputs } from '../inputs';
import { migrateBackRow, planRow } from './migrations';

/**
 * The deploy's steps on one host, in order: the one table both the deploy runs (fleet/phases.ts
 * runs a stage's rows on each host) and the dry run prints as the plan. Each row hands its phase
 * the version and the settings it needs, explicitly.
 *
 *   prepare     every host, before any host changes: connect, lock, probe, upload, images, and
 *               (zero-downtime) the healthchecks of the serving services that will overlap
 *   first-host  once, on the first host, before any switch: migration plan, backup, pre hook,
 *               migrations (rollback-to: migrate back to the target's recorded state)
 *   switch      batch by batch: up, health gate, reloads, health gate again, post hook
 *
 * Then every host records the outcome in its release log and releases its lock.
 */

export type Stage = 'prepare' | 'first-host' | 'switch';

/** What a row may use: the inputs, and the images saved on the runner (image-transfer: ssh). */
export interface DeployRun {
  inputs: Inputs;
  archive?: string;
}

export interface Phase {
  stage: Stage;
  /** The timeline steps the row adds (its phase's step names). */
  steps(inputs: Inputs): string[];
  /** Whether this deploy has the row. */
  applies(inputs: Inputs): boolean;
  run(host: Host, run: DeployRun): Promise<void>;
}

/** A deploy of a new release over image-transfer: ssh streams the images saved on the runner. */
export function usesArchive(inputs: Pick<Inputs, 'transfer' | 'rollbackTo'>): boolean {
  return inputs.transfer === 'ssh' && !inputs.rollbackTo;
}

const always = (): boolean => true;
const named = (name: string) => (): string[] => [name];

function row(stage: Stage, name: string, applies: Phase['applies'], run: Phase['run']): Phase {
  return { stage, steps: named(name), applies, run };
}

export const PHASES: readonly Phase[] = [
  row('prepare', 'connect', always, (h) => connect(h)),
  row('prepare', 'lock', always, (h, { inputs }) => takeLock(h, inputs.version, inputs)),
  row('prepare', 'prepare', always, async (h, { inputs }) => {
    await probeHost(h, inputs.version, inputs.rollbackTo ? 'probe' : 'deploy');
  }),
  row(
    'prepare',
    'check-release',
    (i) => !!i.rollbackTo,
    (h, { inputs }) => checkRollbackTarget(h, inputs.version),
  ),
  row(
    'prepare',
    'upload',
    (i) => !i.rollbackTo,
    (h, { inputs }) => upload(h, inputs.version, inputs),
  ),
  row('prepare', 'load', usesArchive, (h, { inputs, archive }) =>
    load(h, archive as string, inputs.commandTimeoutMs),
  ),
  row(
    'prepare',
    'login',
    (i) => !usesArchive(i) && !!i.registry,
    (h, { inputs }) => login(h, inputs.registry),
  ),
  row(
    'prepare',
    'pull',
    (i) => !usesArchive(i),
    (h, { inputs }) => pull(h, inputs.version, inputs),
  ),
  // zero-downtime: each serving service that will overlap has a healthcheck (compose file or image).
  row(
    'prepare',
    'healthchecks',
    (i) => i.switching.strategy === 'zero-downtime' && overlapped(i.switching, i.services).length > 0,
    (h, { inputs }) => checkHealthchecks(h, inputs.version, inputs),
  ),
  row(
    'prepare',
    'static',
    (i) => i.staticCommand.length > 0 && !i.rollbackTo,
    (h, { inputs }) =>
      oneOff(h, inputs.version, {
        step: 'static',
        what: 'the static-command',
        command: inputs.staticCommand,
        service: inputs.migrateService,
        hostNetwork: inputs.hostNetworkServices.includes(inputs.migrateService),
      }),
  ),
  row(
    'first-host',
    'migrate-plan',
    (i) => !!i.migratePlan && !i.rollbackTo,
    (h, { inputs }) => planRow(h, inputs),
  ),
  row(
    'first-host',
    'backup',
    (i) => i.backup !== 'none' || i.backupVolumes.length + i.backupPaths.length > 0,
    (h, { inputs }) => backupHost(h, inputs.version, inputs),
  ),
  row(
    'first-host',
    'pre-hook',
    (i) => i.preCommand.trim() !== '',
    (h, { inputs }) => hook(h, 'pre-hook', inputs.preCommand, inputs.version),
  ),
  row(
    'first-host',
    'migrate',
    (i) => i.migrateCommand.length > 0 && !i.rollbackTo,
    async (h, { inputs }) => {
      await oneOff(h, inputs.version, {
        step: 'migrate',
        what: 'migrations',
        command: inputs.migrateCommand,
        service: inputs.migrateService,
        hostNetwork: inputs.hostNetworkServices.includes(inputs.migrateService),
      });
      h.state.markMigrated();
    },
  ),
  {
    stage: 'first-host',
    steps: () => ['migrate-plan', 'migrate-back'],
    applies: (i) => !!i.migratePlan && !!i.rollbackTo,
    run: (h, { inputs }) => migrateBackRow(h, inputs),
  },
  row('switch', 'switch', always, (h, { inputs }) => switchTo(h, inputs.version, inputs.services)),
  // Before a reload the running processes still serve what they loaded: health-expect waits for after.
  row('switch', 'health', hasHealthGate, (h, { inputs }) =>
    healthGate(h, inputs.version, inputs, 'health', !hasReloads(inputs)),
  ),
  {
    stage: 'switch',
    steps: (i) => [
      ...(i.nginxReload !== 'none' ? ['nginx-test'] : []),
      ...(i.hupServices.length > 0 ? ['hup'] : []),
      ...(i.nginxReload !== 'none' ? ['nginx-reload'] : []),
    ],
    applies: hasReloads,
    run: (h, { inputs }) => reloadHost(h, inputs.version, inputs),
  },
  row(
    'switch',
    'reload-health',
    (i) => hasReloads(i) && hasHealthGate(i),
    (h, { inputs }) => healthGate(h, inputs.version, inputs, 'reload-health'),
  ),
  row(
    'switch',
    'post-hook',
    (i) => i.postCommand.trim() !== '',
    (h, { inputs }) => hook(h, 'post-hook', inputs.postCommand, inputs.version),
  ),
];

/** Run a stage's rows on one host, in order. */
export async function runStage(stage: Stage, host: Host, run: DeployRun): Promise<void> {
  for (const phase of PHASES)
    if (phase.stage === stage && phase.applies(run.inputs)) await phase.run(host, run);
}

/** The steps every host goes through, from the same table: the dry run's plan. */
export function plannedSteps(inputs: Inputs): string[] {
  return [...PHASES.filter((p) => p.applies(inputs)).flatMap((p) => p.steps(inputs)), 'record', 'unlock'];
}
