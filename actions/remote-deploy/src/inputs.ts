import * as fs from 'node:fs';
import {
  getBoolean,
  getDuration,
  getEnum,
  getInteger,
  getList,
  getRaw,
  getString,
  InputError,
  derivedForms,
  registerSecret,
  resolveInWorkspace,
} from '@deploy-kit/shared';
import {
  normaliseFingerprint,
  parseClientKey,
  parseKnownHosts,
  type HostKeyPolicy,
  type ParsedClientKey,
} from '@deploy-kit/shared/ssh';
import {
  BACKUP_PRESETS,
  mysqlSettingsFromEnv,
  postgresSettingsFromEnv,
  type BackupPreset,
  type MysqlSettings,
  type PostgresSettings,
} from './model/backup';
import { readComposeFiles, type LocalFile } from './model/compose-files';
import { parseCommand, parseImages, parseSecretKeys } from './model/input-parsers';
import { envFileSecrets } from './model/env-file';
import { readShippedFiles, type ShippedFile } from './model/release-files';
import { defaultProjectName, parseHosts, type HostSpec } from './model/hosts';
import { parseBatchSize } from './model/batches';
import {
  checkHost,
  checkHttpUrl,
  checkPort,
  checkProjectName,
  checkRemotePath,
  checkService,
  checkUser,
  checkVersion,
} from './model/validate';

export type { LocalFile } from './model/compose-files';
export { parseCommand, parseImages, parseSecretKeys } from './model/input-parsers';

export interface JumpHost {
  host: string;
  port: number;
  user: string;
}

export interface Inputs {
  /** Every secret value we know of, to redact remote output ourselves before it reaches the log. */
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
  dryRun: boolean;
  transfer: 'registry' | 'ssh';
  registry?: { server: string; username: string; password: string };
  migrateCommand: string[];
  staticCommand: string[];
  migrateService: string;
  backup: BackupPreset;
  /** Connection of the mysql-host preset, read from env-file. */
  mysql?: MysqlSettings;
  /** Connection of the postgres-host preset, read from env-file (libpq's defaults without one). */
  postgres?: PostgresSettings;
  hupServices: string[];
  nginxReload: string;
  backupService: string;
  backupKeep: number;
  preCommand: string;
  postCommand: string;
  healthUrl: string;
  healthExpect: string;
  healthTimeoutMs: number;
  healthcheck: 'compose' | 'none';
  parallel: number;
  batchSize: ReturnType<typeof parseBatchSize>;
  lockTimeoutMs: number;
  lockExpiryMs: number;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

function parseJump(value: string): JumpHost | undefined {
  if (value === '') return undefined;
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value);
  if (!m) throw new InputError(`'jump-host' must be [user@]host[:port], got '${value}'.`);
  return {
    user: checkUser('jump-host', m[1] ?? getString('user', { required: true })),
    host: checkHost('jump-host', (m[2] as string).replace(/^\[|\]$/g, '')),
    port: m[3] ? checkPort('jump-host', m[3]) : 22,
  };
}

function readKey(inputName: string, text: string, passphrase: string): ParsedClientKey {
  registerSecret(text);
  registerSecret(text.replace(/\r\n?/g, '\n').trim());
  return parseClientKey(text, passphrase, inputName);
}

export function readInputs(): Inputs {
  // Secrets first, before anything can print.
  const privateKey = getRaw('private-key');
  const passphrase = getRaw('passphrase');
  const registryPassword = getRaw('registry-password');
  registerSecret(privateKey, 'private-key');
  registerSecret(passphrase, 'passphrase');
  registerSecret(registryPassword, 'registry-password');
  // Explicit secret inputs count whatever their length (THE MASKING RULE, packages/shared/src/secrets.ts).
  const secrets = [privateKey, passphrase, registryPassword].filter((v) => v.trim() !== '');

  const envFileInput = getString('env-file');
  const secretKeys = parseSecretKeys(getRaw('secret-keys'));
  let envFile: LocalFile | undefined;
  if (envFileInput !== '') {
    const file = resolveInWorkspace('env-file', envFileInput);
    if (!fs.existsSync(file))
      throw new InputError(`'env-file' ${envFileInput} does not exist in the workspace.`);
    const content = fs.readFileSync(file);
    // Masked as Compose will decode them for the containers, before anything else is printed.
    for (const value of envFileSecrets(content.toString('utf8'), secretKeys)) {
      registerSecret(value);
      secrets.push(value);
    }
    envFile = { name: '.env', content };
  }

  const backup = getEnum('backup', BACKUP_PRESETS, 'none');
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
  for (const password of [mysql?.password, postgres?.password])
    if (password !== undefined && password.trim() !== '') {
      registerSecret(password);
      secrets.push(password);
    }

  const projectDir = checkRemotePath('project-dir', getString('project-dir', { required: true }));
  // Checked here, under the input the user gave: parseHosts reports only what 'hosts' itself sets.
  const projectNameInput = getString('project-name');
  const projectName =
    projectNameInput !== ''
      ? checkProjectName('project-name', projectNameInput)
      : defaultProjectName(projectDir);
  const hosts = parseHosts(getRaw('hosts'), {
    user: getString('user'),
    port: checkPort('port', getString('port', { fallback: '22' })),
    projectDir,
    projectName,
  });
  if (hosts.some((h) => h.user === ''))
    throw new InputError(`'user' is required unless every host names its user.`);

  const insecure = getBoolean('insecure-skip-host-key-check');
  const knownHostsText = getRaw('known-hosts');
  const fingerprints: string[] = [];
  const knownLines: string[] = [];
  for (const line of knownHostsText.split(/\r?\n/)) {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) continue;
    if (l.startsWith('SHA256:')) fingerprints.push(normaliseFingerprint(l));
    else knownLines.push(l);
  }
  if (fingerprints.length > 0 && hosts.length > 1)
    throw new InputError(
      `'known-hosts' has bare SHA256 fingerprints but there are ${hosts.length} hosts; give known_hosts lines, or a fingerprint per host in 'hosts'.`,
    );
  const hostKeyPolicy: HostKeyPolicy = {
    fingerprints,
    knownHosts: parseKnownHosts(knownLines.join('\n')),
    acceptAny: insecure,
  };

  if (privateKey.trim() === '' && hosts.some((h) => !h.keyEnv))
    throw new InputError(`'private-key' is required (or give every host a private-key-env).`);
  const key =
    privateKey.trim() === ''
      ? (undefined as unknown as ParsedClientKey)
      : readKey('private-key', privateKey, passphrase);
  const hostKeys = new Map<string, ParsedClientKey>();
  for (const h of hosts) {
    if (!h.keyEnv) continue;
    const text = process.env[h.keyEnv] ?? '';
    if (text.trim() === '')
      throw new InputError(
        `'hosts' names private-key-env ${h.keyEnv} for ${h.name}, but that variable is empty.`,
      );
    hostKeys.set(h.name, readKey(`${h.keyEnv} (private key of ${h.name})`, text, passphrase));
  }

  const rollbackTo = getString('rollback-to');
  const versionInput = getString('version');
  if (rollbackTo === '' && versionInput === '')
    throw new InputError(`'version' is required unless 'rollback-to' is set.`);
  const version = checkVersion(rollbackTo ? 'rollback-to' : 'version', rollbackTo || versionInput);

  const composeList = getList('compose-files');
  if (composeList.length === 0 && !rollbackTo)
    throw new InputError(`'compose-files' is required: list the Compose file(s) to deploy.`);
  const images = parseImages(getRaw('images'));
  const { composeFiles, composeFileNames, hostNetworkServices } = readComposeFiles(composeList, images, {
    pinImages: !rollbackTo,
  });

  const shippedFiles = readShippedFiles(getList('files'));
  const clash = shippedFiles.find((f) => composeFileNames.includes(f.name));
  if (clash)
    throw new InputError(`'files' ships ${clash.name}, which 'compose-files' already uploads; list it once.`);

  const registryServer = getString('registry');
  const registryUsername = getString('registry-username');
  const registry =
    registryPassword !== '' || registryUsername !== ''
      ? (() => {
          if (registryServer === '' || registryUsername === '' || registryPassword === '')
            throw new InputError(
              `'registry', 'registry-username' and 'registry-password' must be given together.`,
            );
          return { server: registryServer, username: registryUsername, password: registryPassword };
        })()
      : undefined;

  const jump = parseJump(getString('jump-host'));
  if (jump && !key)
    throw new InputError(`'private-key' is required with 'jump-host': it authenticates on the jump host.`);
  const healthTimeoutMs = getDuration('health-timeout', 120_000);
  return {
    // Every derived form too, longest first: the host log redacts them in this order.
    secrets: [...new Set(secrets.flatMap(derivedForms))].sort((a, b) => b.length - a.length),
    hostNetworkServices,
    hosts,
    key,
    hostKeys,
    hostKeyPolicy,
    jump,
    composeFiles,
    composeFileNames,
    shippedFiles,
    envFile,
    images,
    services: getList('services').map((s) => checkService('services', s)),
    version,
    rollbackTo: rollbackTo || undefined,
    dryRun: getBoolean('dry-run'),
    transfer: getEnum('image-transfer', ['registry', 'ssh'] as const, 'registry'),
    registry,
    migrateCommand: parseCommand('migrate-command', getString('migrate-command')),
    staticCommand: parseCommand('static-command', getString('static-command')),
    migrateService: checkService('migrate-service', getString('migrate-service', { fallback: 'web' })),
    backup,
    mysql,
    postgres,
    hupServices: getList('hup-services').map((s) => checkService('hup-services', s)),
    nginxReload: ((v) =>
      v === '' || v === 'none' || v === 'host' ? v || 'none' : checkService('nginx-reload', v))(
      getString('nginx-reload'),
    ),
    backupService: checkService('backup-service', getString('backup-service', { fallback: 'db' })),
    backupKeep: getInteger('backup-keep', { min: 1, max: 1000, fallback: 5 }),
    preCommand: getRaw('pre-deploy-command'),
    postCommand: getRaw('post-deploy-command'),
    healthUrl: checkHttpUrl('health-url', getString('health-url')),
    healthExpect: getString('health-expect'),
    healthTimeoutMs,
    healthcheck: getEnum('healthcheck', ['compose', 'none'] as const, 'compose'),
    parallel: getInteger('parallel', { min: 1, max: 100, fallback: 10 }),
    batchSize: parseBatchSize('batch-size', getString('batch-size')),
    lockTimeoutMs: getDuration('lock-timeout', 60_000),
    lockExpiryMs: getDuration('lock-expiry', 3_600_000),
    commandTimeoutMs: getDuration('command-timeout', 900_000),
    connectTimeoutMs: getDuration('connect-timeout', 30_000),
  };
}
