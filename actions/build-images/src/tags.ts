import Handlebars from 'handlebars';
import * as semver from 'semver';
import { explain } from '@renovatebot/pep440';
import { InputError } from '@deploy-kit/shared';
import { isValidTag } from './reference';

/**
 * Tag rules in docker/metadata-action's syntax, one per line:
 *   type=semver,pattern={{version}}      type=pep440,pattern={{major}}.{{minor}}
 *   type=sha[,prefix=sha-][,format=short|long]
 *   type=ref,event=branch|tag|pr         type=raw,value=latest,enable={{is_default_branch}}
 * A line without `type=` is a raw tag. Every rule takes prefix, suffix and
 * enable. Patterns are Handlebars templates, as in metadata-action.
 */

export interface GitContext {
  eventName: string;
  /** Full ref, e.g. refs/heads/main, refs/tags/v1.2.3, refs/pull/5/merge. */
  ref: string;
  sha: string;
  /** From the event payload (or git); undefined when it cannot be known. */
  defaultBranch?: string;
  prNumber?: number;
  /** e.g. https://github.com/org/app */
  repositoryUrl?: string;
  repository?: string;
}

/** A PEP 440 (Python) version, normalised: `v1.2.3-rc.1` is `1.2.3rc1`, `1.0-alpha2` is `1.0a2`. */
export interface Pep440 {
  version: string;
  major: number;
  minor: number;
  patch: number;
  /** Has a pre-release or dev segment. */
  prerelease: boolean;
}

export function parsePep440(text: string): Pep440 | undefined {
  const v = explain(text.trim());
  if (!v) return undefined;
  // The library's own clean() joins a local version's parts with ','; PEP 440 says '.'.
  const version = v.local ? `${v.public}+${v.local}` : v.public;
  const [major = 0, minor = 0, patch = 0] = v.release;
  return { version, major, minor, patch, prerelease: v.is_prerelease };
}

export type RuleType = 'semver' | 'pep440' | 'sha' | 'ref' | 'raw';

export interface TagRule {
  type: RuleType;
  /** The line as written, for error sentences. */
  text: string;
  attrs: Record<string, string>;
}

const TYPES: readonly RuleType[] = ['semver', 'pep440', 'sha', 'ref', 'raw'];

export const DEFAULT_TAG_RULES = [
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{major}}.{{minor}}',
  'type=semver,pattern={{major}}',
  'type=ref,event=branch',
  'type=ref,event=pr',
  'type=sha',
  'type=raw,value=latest,enable={{is_default_branch}}',
].join('\n');

export function parseTagRules(text: string): TagRule[] {
  const rules: TagRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!/^type=/.test(line)) {
      rules.push({ type: 'raw', text: line, attrs: { value: line } });
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const part of line.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0)
        throw new InputError(`'tags' rule '${line}' has '${part.trim()}', which is not key=value.`);
      attrs[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    const type = attrs.type as RuleType;
    if (!TYPES.includes(type))
      throw new InputError(
        `'tags' rule '${line}' has an unknown type '${attrs.type}' (use ${TYPES.join(', ')}).`,
      );
    if (type === 'raw' && !attrs.value) throw new InputError(`'tags' rule '${line}' needs value=.`);
    if (type === 'ref' && !['branch', 'tag', 'pr'].includes(attrs.event ?? ''))
      throw new InputError(`'tags' rule '${line}' needs event=branch, event=tag or event=pr.`);
    if ((type === 'semver' || type === 'pep440') && !attrs.pattern)
      throw new InputError(`'tags' rule '${line}' needs a pattern such as {{version}}.`);
    rules.push({ type, text: line, attrs });
  }
  return rules;
}

export function branchOf(ctx: GitContext): string | undefined {
  return ctx.ref.startsWith('refs/heads/') ? ctx.ref.slice('refs/heads/'.length) : undefined;
}

export function gitTagOf(ctx: GitContext): string | undefined {
  return ctx.ref.startsWith('refs/tags/') ? ctx.ref.slice('refs/tags/'.length) : undefined;
}

export function isDefaultBranch(ctx: GitContext): boolean {
  const branch = branchOf(ctx);
  return branch !== undefined && ctx.defaultBranch !== undefined && branch === ctx.defaultBranch;
}

/** Like metadata-action: any run of characters a tag cannot hold becomes one '-'. */
export function sanitizeTag(value: string): string {
  return value.replace(/[^a-zA-Z0-9._-]+/g, '-').slice(0, 128);
}

function template(source: string, data: Record<string, unknown>, rule: TagRule): string {
  try {
    return Handlebars.compile(source, { noEscape: true, strict: false })(data);
  } catch (error) {
    throw new InputError(
      `'tags' rule '${rule.text}' has a bad template: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}

function contextData(ctx: GitContext): Record<string, unknown> {
  return {
    branch: branchOf(ctx) ?? '',
    tag: gitTagOf(ctx) ?? '',
    sha: ctx.sha.slice(0, 7),
    is_default_branch: String(isDefaultBranch(ctx)),
    is_not_default_branch: String(!isDefaultBranch(ctx)),
  };
}

function enabled(rule: TagRule, ctx: GitContext): boolean {
  const value = rule.attrs.enable;
  if (value === undefined || value === '') return true;
  const rendered = template(value, contextData(ctx), rule).trim();
  if (rendered === 'true') return true;
  if (rendered === 'false') return false;
  throw new InputError(`'tags' rule '${rule.text}' has enable=${value}, which is neither true nor false.`);
}

/** The tag (without prefix/suffix) a rule gives for this git context, or undefined when it does not apply. */
function ruleValue(rule: TagRule, ctx: GitContext): string | undefined {
  const a = rule.attrs;
  switch (rule.type) {
    case 'raw':
      return template(a.value as string, contextData(ctx), rule);
    case 'sha':
      return a.format === 'long' ? ctx.sha : ctx.sha.slice(0, 7);
    case 'ref': {
      if (a.event === 'branch') {
        const branch = branchOf(ctx);
        return branch === undefined ? undefined : sanitizeTag(branch);
      }
      if (a.event === 'tag') {
        const tag = gitTagOf(ctx);
        return tag === undefined ? undefined : sanitizeTag(tag);
      }
      return ctx.prNumber === undefined ? undefined : `pr-${ctx.prNumber}`;
    }
    case 'semver': {
      const source = a.value || gitTagOf(ctx);
      const v = source === undefined ? null : semver.parse(semver.clean(source, { loose: true }) ?? '');
      if (!v) return undefined;
      const pattern = a.pattern as string;
      // A pre-release only gets its full version: 1.2.3-rc.1 must not move 1.2 or 1.
      if (v.prerelease.length > 0 && !/\{\{\s*(version|raw)\s*\}\}/.test(pattern)) return undefined;
      // {{major}} alone for 0.x would tag every breaking 0.y release as 0.
      if (/^\{\{\s*major\s*\}\}$/.test(pattern) && v.major === 0) return undefined;
      return template(
        pattern,
        { version: v.version, major: v.major, minor: v.minor, patch: v.patch, raw: source },
        rule,
      );
    }
    case 'pep440': {
      const source = a.value || gitTagOf(ctx);
      const v = source === undefined ? undefined : parsePep440(source);
      if (!v) return undefined;
      const pattern = a.pattern as string;
      if (v.prerelease && !/\{\{\s*(version|raw)\s*\}\}/.test(pattern)) return undefined;
      if (/^\{\{\s*major\s*\}\}$/.test(pattern) && v.major === 0) return undefined;
      return sanitizeTag(
        template(
          pattern,
          { version: v.version, major: v.major, minor: v.minor, patch: v.patch, raw: source },
          rule,
        ),
      );
    }
  }
}

export function computeTags(rules: readonly TagRule[], ctx: GitContext): string[] {
  const tags: string[] = [];
  for (const rule of rules) {
    if (!enabled(rule, ctx)) continue;
    const value = ruleValue(rule, ctx);
    if (value === undefined || value === '') continue;
    const prefix = rule.attrs.prefix ?? (rule.type === 'sha' ? 'sha-' : '');
    const tag = `${template(prefix, contextData(ctx), rule)}${value}${template(rule.attrs.suffix ?? '', contextData(ctx), rule)}`;
    if (!isValidTag(tag))
      throw new InputError(
        `'tags' rule '${rule.text}' gives '${tag}', which is not a valid image tag (letters, digits, _ . -, at most 128, not starting with . or -).`,
      );
    if (!tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

/** The version label: the semver/pep440 version on a tag build, else the first tag. */
export function versionOf(ctx: GitContext, tags: readonly string[]): string {
  const tag = gitTagOf(ctx);
  const v = tag === undefined ? null : semver.clean(tag, { loose: true });
  return v ?? (tag !== undefined ? (parsePep440(tag)?.version ?? tag) : (tags[0] ?? ''));
}

/** OCI annotations (image-spec "Pre-Defined Annotation Keys") stamped on every image. */
export function ociLabels(
  ctx: GitContext,
  options: { title: string; version: string; created: Date },
): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': options.title,
    'org.opencontainers.image.revision': ctx.sha,
    'org.opencontainers.image.created': options.created.toISOString(),
    'org.opencontainers.image.version': options.version,
  };
  if (ctx.repositoryUrl) labels['org.opencontainers.image.source'] = ctx.repositoryUrl;
  return labels;
}
