import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import { InputError, PolicyFailure } from '@deploy-kit/shared';
import type { Inputs } from './inputs';
import type { Planned } from './plan';
import { checkDockerfile, type Finding } from './policy';

/**
 * Check every Dockerfile once and annotate each finding on its line. Under strict, findings are
 * the returned PolicyFailure (returned, not thrown: the run reports it as its result).
 */
export function enforcePolicy(
  units: readonly Planned[],
  inputs: Inputs,
  workspace: string,
): PolicyFailure | undefined {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const unit of units) {
    const { dockerfile, target, args } = unit.build;
    const rel = path.relative(workspace, dockerfile);
    if (!fs.existsSync(dockerfile))
      throw new InputError(
        `the Dockerfile ${rel} of service '${unit.services[0]?.service}' (${unit.services[0]?.source}) does not exist.`,
      );
    const found = checkDockerfile({
      file: rel,
      text: fs.readFileSync(dockerfile, 'utf8'),
      ...(target ? { target } : {}),
      args,
      servicesWithoutHealthcheck: unit.services.filter((s) => !s.healthcheck).map((s) => s.service),
    });
    for (const f of found) {
      const key = `${f.file}:${f.line}:${f.rule}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(f);
    }
  }
  for (const f of findings) {
    const props = { file: f.file, startLine: f.line, title: `Dockerfile policy: ${f.rule}` };
    if (inputs.policy === 'strict') core.error(f.message, props);
    else core.warning(f.message, props);
  }
  core.info(`${findings.length} finding${findings.length === 1 ? '' : 's'} (policy: ${inputs.policy}).`);
  if (inputs.policy !== 'strict' || findings.length === 0) return undefined;
  return new PolicyFailure(
    `${findings.length} Dockerfile finding${findings.length === 1 ? '' : 's'} under policy strict: ${findings.map((f) => `${f.file}:${f.line} ${f.rule}`).join('; ')}`,
    findings.map((f) => `${f.file}:${f.line}: ${f.message}`),
  );
}
