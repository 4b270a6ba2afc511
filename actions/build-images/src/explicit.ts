import * as path from 'node:path';
import { z, type ZodType } from 'zod';
import { InputError, parseYamlOrJson, validate } from '@deploy-kit/shared';
import type { ServiceTarget } from './targets';

/**
 * The explicit-list form of `targets` (no Compose file): a YAML list of
 * { service, context, dockerfile?, target?, args?, image?, network?, healthcheck? }.
 * Entries that share context, dockerfile, args and target are still built once.
 */
const scalarString = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const entrySchema = z
  .object({
    service: z.string().min(1, 'service must not be empty'),
    context: z.string().default('.'),
    dockerfile: z.string().optional(),
    target: z.string().optional(),
    image: z.string().optional(),
    network: z.string().optional(),
    args: z.record(scalarString).default({}),
    healthcheck: z.boolean().default(false),
  })
  .strict();

const listSchema = z.array(entrySchema).min(1, 'needs at least one entry');
type Entry = z.output<typeof entrySchema>;

/** `resolve` maps a workspace-relative path to an absolute one and refuses paths that leave it. */
export function parseTargets(
  text: string,
  resolve: (value: string, what: string) => string,
): ServiceTarget[] {
  const entries = validate(
    'targets',
    // validate() takes a schema whose input and output types agree; defaults make them differ.
    listSchema as unknown as ZodType<Entry[]>,
    parseYamlOrJson('targets', text),
  );
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    if (seen.has(entry.service))
      throw new InputError(`'targets' lists the service '${entry.service}' twice (entry ${index + 1}).`);
    seen.add(entry.service);
    const context = resolve(entry.context, `context of '${entry.service}'`);
    const dockerfile = path.resolve(context, entry.dockerfile ?? 'Dockerfile');
    return {
      service: entry.service,
      ...(entry.image ? { image: entry.image } : {}),
      build: {
        context,
        dockerfile,
        args: entry.args,
        ...(entry.target ? { target: entry.target } : {}),
        ...(entry.network ? { network: entry.network } : {}),
      },
      healthcheck: entry.healthcheck,
      source: `'targets' entry ${index + 1}`,
    };
  });
}
