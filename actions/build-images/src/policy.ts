import { declaredNames, parseDockerfile, substitute, type ParsedDockerfile, type Stage } from './dockerfile';

/**
 * Dockerfile policy. Each finding carries the line an annotation should point
 * at. Pure: the caller decides (strict / warn / off) what a finding means.
 */
export type PolicyMode = 'strict' | 'warn' | 'off';
export type RuleId = 'non-root-user' | 'secret-name' | 'pinned-base' | 'healthcheck';

export interface Finding {
  rule: RuleId;
  /** Dockerfile path as it should appear in the annotation (workspace-relative). */
  file: string;
  line: number;
  message: string;
}

export interface PolicyInput {
  file: string;
  text: string;
  /** Build target: the stage that ends up in the image (default: the last one). */
  target?: string;
  args: Readonly<Record<string, string>>;
  /** Services built from this Dockerfile that declare no healthcheck in Compose. */
  servicesWithoutHealthcheck: readonly string[];
}

/** KEY, TOKEN, PASSWORD, SECRET as a word of the name (API_KEY, DB_PASSWORD, SECRET_KEY; not KEYBOARD_LAYOUT). */
const SECRET_NAME =
  /(^|_)(KEYS?|TOKENS?|PASSWORDS?|PASSWD|SECRETS?|CREDENTIALS?|APIKEY|ACCESSKEY|AUTHTOKEN)(_|$)/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

function isRootUser(user: string): boolean {
  const who = user.trim().split(':')[0]?.trim() ?? '';
  return who === '' || who === 'root' || who === '0';
}

type Add = (rule: RuleId, line: number, message: string) => void;

export function checkDockerfile(input: PolicyInput): Finding[] {
  const { file, text } = input;
  const parsed = parseDockerfile(text);
  const findings: Finding[] = [];
  const add: Add = (rule, line, message) => {
    findings.push({ rule, file, line, message });
  };
  if (parsed.stages.length === 0) {
    add('pinned-base', 1, `${file} has no FROM instruction.`);
    return findings;
  }

  // Values usable in FROM lines: global ARG defaults, overridden by build args.
  const fromValues: Record<string, string> = {};
  for (const ins of parsed.globalArgs)
    for (const { name, value } of declaredNames(ins)) if (value !== undefined) fromValues[name] = value;
  Object.assign(fromValues, input.args);

  checkSecretNames(parsed, add);
  const byName = checkBases(parsed, fromValues, add);
  const target = input.target?.toLowerCase();
  const final = target ? byName.get(target) : parsed.stages[parsed.stages.length - 1];
  if (!final) {
    add('non-root-user', 1, `${file} has no stage named '${input.target}' (the build target).`);
    return findings;
  }
  checkFinalStage(final, byName, fromValues, input.servicesWithoutHealthcheck, add);
  return findings;
}

function checkSecretNames(parsed: ParsedDockerfile, add: Add): void {
  for (const ins of parsed.instructions) {
    if (ins.keyword !== 'ARG' && ins.keyword !== 'ENV') continue;
    for (const { name } of declaredNames(ins)) {
      if (looksSecret(name))
        add(
          'secret-name',
          ins.line,
          `${ins.keyword} ${name} looks like a secret; ${ins.keyword === 'ARG' ? 'build args' : 'ENV values'} stay in the image history, pass it as a BuildKit secret (RUN --mount=type=secret) or at run time.`,
        );
    }
  }
}

/** Every external base must be pinned; returns the named stages (a FROM of one is no base image). */
function checkBases(
  parsed: ParsedDockerfile,
  fromValues: Record<string, string>,
  add: Add,
): Map<string, Stage> {
  const byName = new Map<string, Stage>();
  for (const stage of parsed.stages) {
    const base = substitute(stage.base, fromValues);
    const parent = byName.get(base.toLowerCase());
    if (!parent && base !== 'scratch') {
      if (base.includes('$'))
        add(
          'pinned-base',
          stage.from.line,
          `FROM ${stage.base} uses a variable with no value, so the base image cannot be checked for a pinned tag or digest.`,
        );
      else if (!isPinned(base))
        add(
          'pinned-base',
          stage.from.line,
          `FROM ${base} is not pinned; use a specific tag (not latest) or a digest.`,
        );
    }
    if (stage.name) byName.set(stage.name, stage);
  }
  return byName;
}

/** USER and HEALTHCHECK of the final stage, inherited through the stages it is built FROM. */
function checkFinalStage(
  final: Stage,
  byName: Map<string, Stage>,
  fromValues: Record<string, string>,
  servicesWithoutHealthcheck: readonly string[],
  add: Add,
): void {
  const chain: Stage[] = [];
  for (
    let s: Stage | undefined = final;
    s && !chain.includes(s);
    s = byName.get(substitute(s.base, fromValues).toLowerCase())
  )
    chain.push(s);
  const lastOf = (keyword: string) => {
    for (const stage of chain)
      for (let i = stage.instructions.length - 1; i >= 0; i--)
        if (stage.instructions[i]?.keyword === keyword) return stage.instructions[i];
    return undefined;
  };

  const user = lastOf('USER');
  if (!user)
    add(
      'non-root-user',
      final.from.line,
      `the final stage (FROM ${final.base}) sets no USER, so the image runs as root; add a non-root USER.`,
    );
  else if (isRootUser(user.args))
    add('non-root-user', user.line, `USER ${user.args} runs the image as root; switch to a non-root user.`);

  const health = lastOf('HEALTHCHECK');
  const hasHealth = health !== undefined && !/^NONE\b/i.test(health.args.trim());
  if (!hasHealth && servicesWithoutHealthcheck.length > 0)
    add(
      'healthcheck',
      health?.line ?? final.from.line,
      `the final stage has no HEALTHCHECK and Compose declares none for ${servicesWithoutHealthcheck.join(', ')}; add one to either.`,
    );
}

/** A base is pinned when it carries a digest or a tag other than latest. */
export function isPinned(image: string): boolean {
  if (image.includes('@sha256:')) return true;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon <= lastSlash) return false;
  return image.slice(colon + 1) !== 'latest';
}
