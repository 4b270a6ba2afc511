/** The step list a host goes through, for the dry-run plan and the summary. */
export function plannedSteps(options: {
  rollbackTo: boolean;
  login: boolean;
  transfer: 'registry' | 'ssh';
  backup: boolean;
  migrate: boolean;
  static?: boolean;
  preHook: boolean;
  postHook: boolean;
  health: boolean;
  hup?: boolean;
  nginx?: boolean;
}): string[] {
  return [
    'connect',
    'lock',
    'prepare',
    ...(options.rollbackTo ? [] : ['upload']),
    ...(options.login && options.transfer === 'registry' ? ['login'] : []),
    options.transfer === 'registry' ? 'pull' : 'load',
    ...(options.static && !options.rollbackTo ? ['static'] : []),
    ...(options.backup ? ['backup'] : []),
    ...(options.preHook ? ['pre-hook'] : []),
    ...(options.migrate && !options.rollbackTo ? ['migrate'] : []),
    'switch',
    ...(options.health ? ['health'] : []),
    ...(options.nginx ? ['nginx-test'] : []),
    ...(options.hup ? ['hup'] : []),
    ...(options.nginx ? ['nginx-reload'] : []),
    ...(options.health && (options.hup || options.nginx) ? ['reload-health'] : []),
    ...(options.postHook ? ['post-hook'] : []),
    'record',
    'unlock',
  ];
}
