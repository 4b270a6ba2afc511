/** Where things live on a host, all under the project dir. */
export interface RemoteLayout {
  projectDir: string;
  releasesDir: string;
  current: string;
  stateDir: string;
  lockDir: string;
  releaseLog: string;
  backupsDir: string;
}

export function remoteLayout(projectDir: string): RemoteLayout {
  const state = `${projectDir}/.deploy-kit`;
  return {
    projectDir,
    releasesDir: `${projectDir}/releases`,
    current: `${projectDir}/current`,
    stateDir: state,
    lockDir: `${state}/lock`,
    releaseLog: `${state}/releases.log`,
    backupsDir: `${projectDir}/backups`,
  };
}

export function releaseDir(layout: RemoteLayout, version: string): string {
  return `${layout.releasesDir}/${version}`;
}

export const ENV_FILE_NAME = '.env';
export const IMAGES_FILE_NAME = 'deploy-kit.images.yml';
