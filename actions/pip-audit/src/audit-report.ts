import { lazySchemas } from './lazy-schemas';
import type { z } from 'zod';

/**
 * pip-audit's JSON report (`-f json`), as 2.10 writes it. Checked, not trusted: a shape we do not
 * know is a tool error. The schemas (and zod) are built on first use, not at start-up: nothing
 * that runs before pip-audit starts should delay it (#18 B6).
 */
function buildSchemas(zod: typeof z) {
  const VulnSchema = zod.object({
    id: zod.string().min(1),
    fix_versions: zod.array(zod.string()).default([]),
    aliases: zod.array(zod.string()).default([]),
    description: zod.string().nullish(),
  });
  const DependencySchema = zod.object({
    name: zod.string().min(1),
    version: zod.string().optional(),
    vulns: zod.array(VulnSchema).optional(),
    skip_reason: zod.string().optional(),
  });
  const ReportSchema = zod.object({
    dependencies: zod.array(DependencySchema),
    fixes: zod.array(zod.unknown()).optional(),
  });
  return { VulnSchema, DependencySchema, ReportSchema };
}

type Schemas = ReturnType<typeof buildSchemas>;
const reportSchemas = lazySchemas(buildSchemas);

export type PipAuditVuln = z.infer<Schemas['VulnSchema']>;
export type PipAuditDependency = z.infer<Schemas['DependencySchema']>;
export type PipAuditReport = z.infer<Schemas['ReportSchema']>;

/** Parse the report text; undefined when it is not a pip-audit JSON report (the run did not complete). */
export function parsePipAuditReport(text: string): PipAuditReport | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = reportSchemas().ReportSchema.safeParse(json);
  return result.success ? result.data : undefined;
}
