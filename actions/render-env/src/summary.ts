import { mdCode, mdEscape, mdHeading, mdList, mdTable } from '@deploy-kit/shared';
import type { Violation } from './policy';
import type { NamespaceName } from './template';
import type { LoadedLayer } from './values';

/** The job summary, as markdown. Pure; key names and file names only, never a value. */

export interface SummaryKey {
  key: string;
  line: number;
  secret: boolean;
  sources: readonly NamespaceName[];
}

export interface SummaryInput {
  template: string;
  environment: string;
  /** Workspace-relative output path; written=false in a dry run or when the policy failed. */
  output: string;
  written: boolean;
  dryRun: boolean;
  keys: readonly SummaryKey[];
  layers: readonly Pick<LoadedLayer, 'source' | 'namespace' | 'encryption' | 'vaultFormat' | 'keys'>[];
  policy: { name: string; violations: readonly Violation[] } | undefined;
  sha256?: string;
}

function layerNote(layer: SummaryInput['layers'][number]): string {
  if (layer.encryption === 'file') return `Ansible Vault ${layer.vaultFormat ?? ''}`.trim();
  if (layer.encryption === 'inline') return 'plain, with !vault values';
  return 'plain';
}

export function policyMarkdown(policy: SummaryInput['policy']): string {
  if (!policy) return '**Policy:** none (set `profile` or `policy-file` to check the result).';
  if (policy.violations.length === 0) return `**Policy ${mdCode(policy.name)}:** passed.`;
  const n = policy.violations.length;
  return [
    `**Policy ${mdCode(policy.name)}:** failed with ${n} violation${n === 1 ? '' : 's'}.`,
    mdList(policy.violations.map((v) => (v.line ? `line ${v.line}: ${v.message}` : v.message))),
  ].join('\n\n');
}

export function summaryMarkdown(s: SummaryInput): string {
  const where = s.written
    ? `Wrote ${mdCode(s.output)} (mode 0600)`
    : s.dryRun
      ? `Dry run: nothing written (would write ${mdCode(s.output)})`
      : `Nothing written to ${mdCode(s.output)}`;
  const facts = [
    `${where} from ${mdCode(s.template)}${s.environment ? ` for environment ${mdCode(s.environment)}` : ''}: ${s.keys.length} key${s.keys.length === 1 ? '' : 's'}, ${s.keys.filter((k) => k.secret).length} secret.`,
    s.sha256 ? `SHA-256 of the content: ${mdCode(s.sha256)}` : '',
  ].filter((x) => x !== '');
  const table = mdTable(
    ['Key', 'Kind', 'Source', 'Template line'],
    s.keys.map((k) => [
      k.key,
      k.secret ? 'secret' : 'plain',
      k.sources.length > 0 ? k.sources.join(', ') : 'literal',
      String(k.line),
    ]),
  );
  const sources =
    s.layers.length > 0
      ? mdTable(
          ['Values file', 'Namespace', 'Kind', 'Keys'],
          s.layers.map((l) => [l.source, l.namespace, layerNote(l), String(l.keys.length)]),
        )
      : 'No values files or inline `vars`.';
  return [
    mdHeading('render-env', 2),
    facts.join('\n\n'),
    table,
    mdHeading('Values', 3),
    sources,
    mdHeading('Policy', 3),
    policyMarkdown(s.policy),
  ].join('\n\n');
}

/** The summary of a run that stopped before anything was rendered: the one sentence, nothing else. */
export function notRenderedMarkdown(template: string, output: string, sentence: string): string {
  return [
    mdHeading('render-env', 2),
    `Nothing written to ${mdCode(output)} from ${mdCode(template)}: ${mdEscape(sentence)}`,
  ].join('\n\n');
}
