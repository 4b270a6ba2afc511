import { z } from 'zod';

/** pip-audit's JSON report (`-f json`), as 2.10 writes it. Checked, not trusted: a shape we do not know is a tool error. */
const VulnSchema = z.object({
  id: z.string().min(1),
  fix_versions: z.array(z.string()).default([]),
  aliases: z.array(z.string()).default([]),
  description: z.string().nullish(),
});

const DependencySchema = z.object({
  name: z.string().min(1),
  version: z.string().optional(),
  vulns: z.array(VulnSchema).optional(),
  skip_reason: z.string().optional(),
});

const ReportSchema = z.object({
  dependencies: z.array(DependencySchema),
  fixes: z.array(z.unknown()).optional(),
});

export type PipAuditVuln = z.infer<typeof VulnSchema>;
export type PipAuditDependency = z.infer<typeof DependencySchema>;
export type PipAuditReport = z.infer<typeof ReportSchema>;

/** Parse the report text; undefined when it is not a pip-audit JSON report (the run did not complete). */
export function parsePipAuditReport(text: string): PipAuditReport | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = ReportSchema.safeParse(json);
  return result.success ? result.data : undefined;
}
