import { probe, release, releaseLog } from '../../commands';
import type { LocalFile } from '../../model/compose-files';
import { StepFailed } from '../../model/errors';
import { parseFacts, type HostFacts } from '../../model/host-state';
import { parentDirs, type ShippedFile } from '../../model/release-files';
import { findDeployed, parseReleaseLog, type ReleaseRecord } from '../../model/release-log';
import type { Host } from '../host';

/** Connect (the host key is checked by the shell's connect). */
export async function connect(host: Host): Promise<void> {
  await host.session.step('connect', async () => {
    await host.session.shell();
    const { user, host: address, port } = host.spec;
    host.session.log(`connected as ${user} (${address}:${port}), host key verified`);
  });
}

/** What the host runs now, which Compose it has, its free space and whether it is locked. */
export async function probeHost(host: Host, version: string, mode: 'deploy' | 'probe'): Promise<HostFacts> {
  return host.session.step('prepare', async () => {
    const r = await host.session.run(
      'checking the host',
      probe.prepare(host.spec.projectDir, version, mode),
      true,
    );
    const facts = parseFacts(r.stdout);
    host.state.facts = facts;
    host.session.log(
      `compose ${facts.compose}, current release ${facts.previous || '(none)'}, ${Math.round(facts.freeKb / 1024)} MiB free`,
    );
    if (facts.compose === 'none')
      throw new StepFailed(
        `neither 'docker compose' nor 'docker-compose' works on ${host.name} for ${host.spec.user}`,
      );
    return facts;
  });
}

/** The files of a release this run makes. */
export interface ReleaseUpload {
  composeFiles: readonly LocalFile[];
  composeFileNames: readonly string[];
  envFile?: LocalFile;
  shippedFiles: readonly ShippedFile[];
}

/** Upload the release's compose files, env file (0600) and shipped files into its own dir. */
export async function upload(host: Host, version: string, files: ReleaseUpload): Promise<void> {
  await host.session.step('upload', async () => {
    const shell = await host.session.shell();
    const { composeFiles, composeFileNames, envFile, shippedFiles } = files;
    const dir = host.releases.dir(version);
    const all = [...composeFiles, ...(envFile ? [envFile] : [])];
    const dirs = parentDirs([...all, ...shippedFiles].map((f) => f.name));
    if (dirs.length > 0)
      await host.session.run('making release directories', release.makeDirs(dir, dirs), true);
    await Promise.all(all.map((f) => shell.upload(`${dir}/${f.name}`, f.content, 0o600)));
    // One file at a time over the one SFTP session: a 2000-file config tree must not open 2000 requests at once.
    for (const f of shippedFiles) await shell.upload(`${dir}/${f.name}`, f.content, f.mode);
    const list = [...composeFileNames, ...(envFile ? ['.env'] : [])].join('\n') + '\n';
    await shell.upload(`${dir}/files`, list, 0o600);
    host.releases.remember(version, { files: composeFileNames, env: !!envFile });
    host.session.log(
      `uploaded ${all.length} file(s) to ${dir} (mode 0600)${shippedFiles.length > 0 ? ` and ${shippedFiles.length} shipped file(s) ('files')` : ''}`,
    );
  });
}

export async function readLog(host: Host): Promise<ReleaseRecord[]> {
  const r = await host.session.run('reading the release log', releaseLog.read(host.layout.releaseLog), true);
  return parseReleaseLog(r.stdout);
}

/** rollback-to: the release must exist on the host and be recorded as once deployed. */
export async function checkRollbackTarget(host: Host, version: string): Promise<void> {
  await host.session.step('check-release', async () => {
    const records = await readLog(host);
    if (!findDeployed(records, version) || !host.state.facts?.releaseExists)
      throw new StepFailed(
        `release ${version} is not recorded as deployed on ${host.name} (known: ${[...new Set(records.map((r) => r.version))].join(', ') || 'none'})`,
      );
  });
}
