import { errorMessage, ToolError } from '@deploy-kit/shared';
import type { HostFacts, HostStatus } from '../model/host-state';
import type { MigrationRecord } from '../model/migrations';

/**
 * Where one host stands in the deploy, and the only ways it moves: prepared, switched, deployed,
 * failed, rolled back. No I/O: the phases change it, the summary and the sentences read it.
 */
export class HostState {
  status: HostStatus = 'pending';
  /** What the PREPARE probe found (the release running before this deploy among it). */
  facts?: HostFacts;
  /** Why this host failed, as the typed error (HealthRed, StepFailed, Cancelled, ...). */
  failure?: Error;
  /** The failure's sentence. */
  error?: string;
  rollbackError?: string;
  /** Set before `up`: a half-finished up is still a host that must go back. */
  switched = false;
  migrated = false;
  /** The migration plan of this deploy (and what a rollback did about it), for the release log. */
  migrations?: MigrationRecord;
  /** The media archives (backup-volumes, backup-paths) written before the switch. */
  media: string[] = [];
  /** The dump the pre-deploy backup wrote on this host. */
  backup?: string;
  /** `image state` lines from the dry run's image check. */
  imageStates: string[] = [];
  private locked = false;
  /** What this host reloaded (a rollback reloads the same again, for the previous release). */
  private readonly reloadedParts = { hup: false, nginx: false };

  /** The release that ran before this deploy ('' for a first deploy). */
  get previous(): string {
    return this.facts?.previous ?? '';
  }

  get holdsLock(): boolean {
    return this.locked;
  }

  get reloaded(): { hup: boolean; nginx: boolean } {
    return { ...this.reloadedParts };
  }

  /** This host failed: keep the typed error and its sentence (returned, for the log). */
  fail(error: unknown): string {
    this.status = 'failed';
    this.failure = error instanceof Error ? error : new ToolError(errorMessage(error));
    this.error = errorMessage(error);
    return this.error;
  }

  markPlanned(): void {
    this.status = 'planned';
  }

  markPrepared(): void {
    this.status = 'prepared';
  }

  markDeployed(): void {
    this.status = 'deployed';
  }

  /** The deploy stopped before this host changed: it never left its previous release. */
  markUntouched(): void {
    if (this.status === 'prepared') this.status = 'pending';
  }

  markLocked(locked: boolean): void {
    this.locked = locked;
  }

  markSwitched(): void {
    this.switched = true;
  }

  markReloaded(part: 'hup' | 'nginx'): void {
    this.reloadedParts[part] = true;
  }

  markMigrated(): void {
    this.migrated = true;
  }

  recordBackup(file: string | undefined): void {
    this.backup = file;
  }

  markRolledBack(): void {
    this.status = 'rolled-back';
  }

  markRollbackFailed(why: string): void {
    this.status = 'rollback-failed';
    this.rollbackError = why;
  }
}
