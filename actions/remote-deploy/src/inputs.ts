import * as fs from 'node:fs';
import {
  derivedForms,
  InputError,
  InputReader,
  splitShellWords,
  type RawInputs,
  workingDirectoryInput,
} from '@deploy-kit/shared';
import type { HostKeyPolicy, ParsedClientKey } from '@deploy-kit/shared/ssh';
import defaults from './action-defaults.json';
import {
  BACKUP_PRESETS,
  mysqlSettingsFromEnv,
  postgresSettingsFromEnv,
  type BackupPreset,
  type MysqlSettings,
  type PostgresSettings,
} from './model/backup';
import type { OnIrreversible } from './model/migrations';
import { parseBatchSize, type BatchSize } from './model/batches';
import {
  checkAbsolutePath,
  parseMaxAge,
  readMaintenance,
  readMigrationInputs,
} from './model/database-inputs';
import { readComposeFiles, type LocalFile } from './model/compose-files';
import { envFileSecrets } from './model/env-file';
import type { HostSpec } from './model/hosts';
import { parseImages, parseSecretKeys } from './model/input-parsers';
import { readShippedFiles, resolveIn, type ShippedFile } from './model/release-files';
import { readSshInputs, type JumpHost } from './model/ssh-inputs';
import { STRATEGIES, switchSettings, type SwitchSettings } from './model/strategy';
import { checkHttpUrl, checkService, checkVersion } from './model/validate';

export type { LocalFile } from './model/compose-files';
export type { JumpHost } from './model/ssh-inputs';
export { parseImages, parseSecretKeys } from './model/input-parsers';

/** remote-deploy's inputs, parsed and checked: what `remoteDeploy()` runs with. */
export interface Inputs {
  /** Secret values as given (inputs, env-file secrets, database passwords): masked before anything prints. */
  secretValues: string[];
  /** Every form of every secret, longest first: the host log redacts remote output with them. */
  secrets: string[];
  /** Services declared with network_mode: host in the compose files. */
  hostNetworkServices: string[];
  hosts: HostSpec[];
  key: ParsedClientKey;
  /** Per-host keys read from the environment variables named in `hosts`. */
  hostKeys: Map<string, ParsedClientKey>;
  hostKeyPolicy: HostKeyPolicy;
  jump?: JumpHost;
  composeFiles: LocalFile[];
  /** Release-relative paths (their workspace paths), in the order Compose gets them. */
  composeFileNames: string[];
  /** The `files` input: shipped into every release dir at their workspace paths. */
  shippedFiles: ShippedFile[];
  envFile?: LocalFile;
  images: Record<string, string>;
  services: string[];
  version: string;
  rollbackTo?: string;
  /** backup-only: back up (and verify) the serving release's database; deploy nothing. */
  backupOnly: boolean;
  /** restore-backup: the dump (a file name in <project-dir>/backups) to restore; deploy nothing. */
  restoreBackup?: string;
  dryRun: boolean;
  transfer: 'registry' | 'ssh';
  registry?: { server: string; username: string; password: string };
  migrateCommand: string[];
  staticCommand: string[];
  migrateService: string;
  /** Django's manage.py prefix when the migration plan is asked for (migrate-plan), else undefined. */
  migratePlan?: { manage: string[] };
  onIrreversible: OnIrreversible;
  backup: BackupPreset;
  /** Connection of the mysql-host preset, read from env-file. */
  mysql?: MysqlSettings;
  /** Connection of the postgres-host preset, read from env-file (libpq's defaults without one). */
  postgres?: PostgresSettings;
  hupServices: string[];
  nginxReload: string;
  backupService: string;
  backupKeep: number;
  /** backup-max-age in minutes (0 = no age limit). */
  backupMaxAgeMinutes: number;
  /** Compose volumes of the project (or volumes by their own name) archived before the switch. */
  backupVolumes: string[];
  /** Host directories archived before the switch. */
  backupPaths: string[];
  backupVerify: 'none' | 'restore';
  backupVerifyQuery: string;
  backupVerifyMinRows: number;
  preCommand: string;
  postCommand: string;
  healthUrl: string;
  healthExpect: string;
  healthTimeoutMs: number;
  healthcheck: 'compose' | 'none';
  parallel: number;
  /** Rolling batches: at most this many hosts switch (and roll back) at once. */
  maxUnavailable: BatchSize;
  /** How each host switches (strategy, serving services, grace period). */
  switching: SwitchSettings;
  lockTimeoutMs: number;
  lockExpiryMs: number;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

/** `env-file` (resolved against working-directory) and the values in it to mask. */
function readEnvFileInput(read: InputReader, workingDir: string): { envFile?: LocalFile; secrets: string[] } {
  const given = read.string('env-file');
  const secretKeys = parseSecretKeys(read.raw('secret-keys'));
  if (given === '') return { secrets: [] };
  const file = resolveIn(workingDir, 'env-file', given);
  if (!fs.existsSync(file)) throw new InputError(`'env-file' ${given} does not exist in the workspace.`);
  const content = fs.readFileSync(file);
  // Masked as Compose will decode them for the containers.
  return {
    envFile: { name: '.env', content },
    secrets: envFileSecrets(content.toString('utf8'), secretKeys),
  };
}

/** `backup` and, for the host presets, their connection from the env file. */
function readBackup(read: InputReader, envFile: LocalFile | undefined) {
  const backup = read.enum('backup', BACKUP_PRESETS, 'none');
  let mysql: MysqlSettings | undefined;
  if (backup === 'mysql-host') {
    if (!envFile)
      throw new InputError(
        `'backup: mysql-host' reads its connection (MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_USER, MYSQL_PWD, MYSQL_DATABASE) from 'env-file'; give one.`,
      );
    mysql = mysqlSettingsFromEnv(envFile.content.toString('utf8'));
  }
  const postgres =
    backup === 'postgres-host' ? postgresSettingsFromEnv(envFile?.content.toString('utf8') ?? '') : undefined;
  // Masked whatever its length: a short password is not among the env values masked above.
  const passwords = [mysql?.password, postgres?.password].filter(
    (p): p is string => p !== undefined && p.trim() !== '',
  );
  return {
    backup,
    mysql,
    postgres,
    passwords,
    backupService: checkService('backup-service', read.string('backup-service', { fallback: 'db' })),
    backupKeep: read.integer('backup-keep', { min: 1, max: 1000, fallback: 5 }),
    backupMaxAgeMinutes: parseMaxAge(read.string('backup-max-age')),
    backupVolumes: read.list('backup-volumes').map((v) => checkService('backup-volumes', v)),
    backupPaths: read.list('backup-paths').map((p) => checkAbsolutePath('backup-paths', p)),
    backupVerify: read.enum('backup-verify', ['none', 'restore'] as const, 'none'),
    backupVerifyQuery: read.string('backup-verify-query'),
    backupVerifyMinRows: read.integer('backup-verify-min-rows', { min: 0, max: 1_000_000_000, fallback: 1 }),
  };
}

/** What goes up with each release: `compose-files`, `images` and `files`. */
function readRelease(read: InputReader, workingDir: string, rollbackTo: string) {
  const composeList = read.list('compose-files');
  if (composeList.length === 0 && !rollbackTo)
    throw new InputError(`'compose-files' is required: list the Compose file(s) to deploy.`);
  const images = parseImages(read.raw('images'));
  const compose = readComposeFiles(composeList, images, { pinImages: !rollbackTo, workingDir });
  const shippedFiles = readShippedFiles(read.list('files'), workingDir);
  const clash = shippedFiles.find((f) => compose.composeFileNames.includes(f.name));
  if (clash)
    throw new InputError(`'files' ships ${clash.name}, which 'compose-files' already uploads; list it once.`);
  return { ...compose, images, shippedFiles };
}

function readRegistry(read: InputReader): Inputs['registry'] {
  const server = read.string('registry');
  const username = read.string('registry-username');
  const password = read.raw('registry-password');
  if (password === '' && username === '') return undefined;
  if (server === '' || username === '' || password === '')
    throw new InputError(`'registry', 'registry-username' and 'registry-password' must be given together.`);
  return { server, username, password };
}

/** What runs on the hosts around the switch: commands, hooks, reloads and the health gate. */
function readSteps(read: InputReader) {
  return {
    migrateCommand: splitShellWords('migrate-command', read.string('migrate-command')),
    staticCommand: splitShellWords('static-command', read.string('static-command')),
    migrateService: checkService('migrate-service', read.string('migrate-service', { fallback: 'web' })),
    hupServices: read.list('hup-services').map((s) => checkService('hup-services', s)),
    nginxReload: ((v) =>
      v === '' || v === 'none' || v === 'host' ? v || 'none' : checkService('nginx-reload', v))(
      read.string('nginx-reload'),
    ),
    preCommand: read.raw('pre-deploy-command'),
    postCommand: read.raw('post-deploy-command'),
    healthUrl: checkHttpUrl('health-url', read.string('health-url')),
    healthExpect: read.string('health-expect'),
    healthTimeoutMs: read.duration('health-timeout', 120_000),
    healthcheck: read.enum('healthcheck', ['compose', 'none'] as const, 'compose'),
  };
}

/** How the fleet is worked through: fan-out, batches and time limits. */
function readLimits(read: InputReader) {
  return {
    parallel: read.integer('parallel', { min: 1, max: 100, fallback: 10 }),
    maxUnavailable: parseBatchSize('max-unavailable', read.string('max-unavailable')),
    lockTimeoutMs: read.duration('lock-timeout', 60_000),
    lockExpiryMs: read.duration('lock-expiry', 3_600_000),
    commandTimeoutMs: read.duration('command-timeout', 900_000),
    connectTimeoutMs: read.duration('connect-timeout', 30_000),
  };
}

/**
 * remote-deploy's inputs from raw values (the runner's INPUT_*, or objects from the root action
 * and the deploy-kit command), with action.yml's defaults. Pure but for reading the files it
 * names (relative to working-directory) and the per-host key variables (`env`).
 */
export function parseInputs(raw: RawInputs, env: NodeJS.ProcessEnv = process.env): Inputs {
  const read = new InputReader(raw, defaults);
  const workingDir = workingDirectoryInput(read.string('working-directory'));
  const ssh = readSshInputs(read, env);
  const rollbackTo = read.string('rollback-to');
  const versionInput = read.string('version');
  const env_ = readEnvFileInput(read, workingDir);
  const backup = readBackup(read, env_.envFile);
  const maintenance = readMaintenance(read, backup.backup, rollbackTo);
  if (rollbackTo === '' && versionInput === '' && !maintenance.label)
    throw new InputError(`'version' is required unless 'rollback-to' is set.`);
  const version =
    maintenance.label || checkVersion(rollbackTo ? 'rollback-to' : 'version', rollbackTo || versionInput);
  const registry = readRegistry(read);
  // Explicit secret inputs count whatever their length (THE MASKING RULE, packages/shared/src/secrets.ts).
  const secretValues = [
    ...ssh.keyTexts,
    read.raw('passphrase'),
    registry?.password ?? '',
    ...env_.secrets,
    ...backup.passwords,
  ].filter((v) => v.trim() !== '');
  const { keyTexts: _keys, ...sshInputs } = ssh;
  const { passwords: _passwords, ...backupInputs } = backup;
  const release = readRelease(read, workingDir, rollbackTo || maintenance.label);
  const steps = readSteps(read);
  return {
    secretValues: [...new Set(secretValues)],
    // Every derived form too, longest first: the host log redacts them in this order.
    secrets: [...new Set(secretValues.flatMap(derivedForms))].sort((a, b) => b.length - a.length),
    ...sshInputs,
    ...release,
    backupOnly: maintenance.backupOnly,
    restoreBackup: maintenance.restoreBackup,
    envFile: env_.envFile,
    services: read.list('services').map((s) => checkService('services', s)),
    version,
    rollbackTo: rollbackTo || undefined,
    dryRun: read.boolean('dry-run'),
    transfer: read.enum('image-transfer', ['registry', 'ssh'] as const, 'registry'),
    registry,
    ...backupInputs,
    ...steps,
    ...readMigrationInputs(read, steps.migrateCommand, backup.backup),
    ...readLimits(read),
    switching: switchSettings(
      read.enum('strategy', STRATEGIES, 'zero-downtime'),
      release.composeFiles.map((f) => f.content.toString('utf8')),
      read.list('serve-services').map((s) => checkService('serve-services', s)),
      steps.healthTimeoutMs,
    ),
  };
}
