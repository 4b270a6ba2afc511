import { createHash } from 'node:crypto';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Finding } from './findings';
import { findingKey } from './findings';

/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per advisory (with
 * `security-severity`, the number GitHub uses to rank security alerts), one
 * result per finding at the requirements line, a fingerprint that stays the
 * same across runs, and ignored findings kept as suppressed results.
 */

const SECURITY_SEVERITY: Record<string, string> = { low: '3.0', medium: '5.5', high: '8.0', critical: '9.5' };

function securitySeverity(f: Finding): string | undefined {
  if (f.severity.score !== undefined) return f.severity.score.toFixed(1);
  return SECURITY_SEVERITY[f.severity.level];
}

/** The finding's other ids: pip-audit's id and aliases without the advisory's own. */
function others(f: Finding): string[] {
  return [f.id, ...f.aliases].filter((x) => x.toUpperCase() !== f.advisory.toUpperCase());
}

function level(f: Finding, breaking: boolean): Result.level {
  return breaking ? 'error' : f.ignoredUntil ? 'note' : 'warning';
}

export function buildSarif(
  findings: readonly Finding[],
  options: { toolVersion: string; actionVersion: string; breaking: (f: Finding) => boolean },
): Log {
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  // Rules and fingerprints use the advisory's stable identity, so code scanning keeps one alert
  // when the database starts reporting it under another id.
  for (const f of findings) {
    if (ruleIndex.has(f.advisory)) continue;
    ruleIndex.set(f.advisory, rules.length);
    const sev = securitySeverity(f);
    rules.push({
      id: f.advisory,
      name: `${f.package}/${f.advisory}`,
      shortDescription: { text: `${f.advisory} in ${f.package}` },
      fullDescription: { text: f.description || `${f.advisory} (no description in the advisory)` },
      helpUri: `https://osv.dev/vulnerability/${encodeURIComponent(f.advisory)}`,
      help: {
        text: `${f.advisory}${others(f).length ? ` (${others(f).join(', ')})` : ''}: ${f.fixedIn ? `upgrade ${f.written} to ${f.fixedIn} or later` : 'no fixed release is known'}.`,
      },
      properties: {
        tags: ['security', 'dependency', 'pip-audit'],
        ...(sev ? { 'security-severity': sev } : {}),
        ...(f.severity.vector ? { cvss: f.severity.vector } : {}),
      },
    });
  }
  const results: Result[] = findings.map((f) => {
    const pin = f.fixedIn ? ` Upgrade to ${f.written}==${f.fixedIn}.` : ' No fixed release is known.';
    return {
      ruleId: f.advisory,
      ruleIndex: ruleIndex.get(f.advisory),
      level: level(f, options.breaking(f)),
      message: {
        text: `${f.written} ${f.version} is affected by ${f.advisory}${others(f).length ? ` (${others(f).join(', ')})` : ''}, severity ${f.severity.level}${f.severity.score !== undefined ? ` ${f.severity.score.toFixed(1)}` : ''}.${pin}`,
      },
      ...(f.file
        ? {
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: f.file.split('\\').join('/') },
                  region: { startLine: f.line ?? 1 },
                },
              },
            ],
          }
        : {}),
      partialFingerprints: { 'pipAuditFinding/v1': createHash('sha256').update(findingKey(f)).digest('hex') },
      ...(f.ignoredUntil
        ? {
            suppressions: [
              {
                kind: 'external',
                status: 'accepted',
                justification: `${f.ignoreReason ?? ''} (until ${f.ignoredUntil})`,
              },
            ],
          }
        : {}),
    };
  });
  return {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pip-audit',
            version: options.toolVersion,
            informationUri: 'https://github.com/pypa/pip-audit',
            rules,
          },
          extensions: [{ name: 'deploy-kit pip-audit', version: options.actionVersion }],
        },
        results,
      },
    ],
  };
}
