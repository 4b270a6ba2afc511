import { InputError, parseDuration } from '@deploy-kit/shared';
import { z, type ZodIssue } from 'zod';
import { STATUS_TEXT } from './status';
import { parseJsonPath } from './jsonpath';
import { placeholders, SECRET_PREFIX } from './template';
import { BODY_TYPE_NAMES } from './body-type';

/**
 * The checks spec: a list of checks, or `{ checks, journeys }`. Parsed with
 * zod; every error names the check (or journey and step) and the field.
 */

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const isRegex = (value: string): boolean => {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
};

const regex = z.string().refine(isRegex, { message: 'is not a valid regular expression' });
const oneOrMany = <T extends z.ZodTypeAny>(item: T) => z.union([item, z.array(item).min(1)]);

const jsonPath = z.string().superRefine((value, ctx) => {
  try {
    parseJsonPath(value);
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
  }
});

/** 200, "2xx", "200-299", "200,204" or a list of those. */
const statusItem = z.union([
  z.number().int().min(100).max(599),
  z
    .string()
    .regex(STATUS_TEXT, { message: "must be a status such as 200, '2xx', '200-299' or a list of them" }),
]);

const duration = z.union([z.number().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  try {
    return parseDuration('max-time', value);
  } catch {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: 'must be milliseconds or a duration such as 500ms or 2s',
    });
    return z.NEVER;
  }
});

const headerExpectation = z.union([
  z.string(),
  z.boolean(),
  z
    .object({ present: z.boolean().optional(), equals: z.string().optional(), matches: regex.optional() })
    .strict(),
]);

const expectSchema = z
  .object({
    status: z.union([statusItem, z.array(statusItem).min(1)]).optional(),
    'body-contains': oneOrMany(z.string()).optional(),
    'body-not-contains': oneOrMany(z.string()).optional(),
    'body-matches': oneOrMany(regex).optional(),
    /** The body's own signature (first bytes), e.g. pdf: a download that is really a PDF. */
    'body-type': z
      .enum(BODY_TYPE_NAMES as [string, ...string[]], {
        errorMap: () => ({ message: `must be one of ${BODY_TYPE_NAMES.join(', ')}` }),
      })
      .optional(),
    /** The body's first bytes, compared as bytes (binary-safe), e.g. "%PDF-". */
    'body-starts-with': z.string().min(1).optional(),
    json: z.record(jsonPath, z.unknown()).optional(),
    headers: z.record(z.string(), headerExpectation).optional(),
    'max-time': duration.optional(),
    redirect: z.string().min(1).optional(),
  })
  .strict();

const captureSchema = z
  .object({
    json: jsonPath.optional(),
    header: z.string().min(1).optional(),
    cookie: z.string().min(1).optional(),
    regex: regex.optional(),
    group: z.number().int().min(0).optional(),
    /** Captured values are masked in the log unless this is false. */
    secret: z.boolean().optional(),
  })
  .strict()
  .refine((c) => [c.json, c.header, c.cookie, c.regex].filter((v) => v !== undefined).length === 1, {
    message: 'needs exactly one of json, header, cookie or regex',
  });

const requestSchema = z
  .object({
    name: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(METHODS))
      .optional(),
    headers: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).optional(),
    body: z.string().optional(),
    json: z.unknown().optional(),
    form: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).optional(),
    expect: expectSchema.optional(),
  })
  .strict();

const checkSchema = requestSchema.refine(
  (c) => [c.body, c.json, c.form].filter((v) => v !== undefined).length <= 1,
  {
    message: 'use only one of body, json or form',
  },
);

const stepSchema = requestSchema
  .extend({ capture: z.record(z.string().regex(/^[A-Za-z_][\w-]*$/), captureSchema).optional() })
  .strict();

/** `csrf: true` is Django's pair: the csrftoken cookie sent back as X-CSRFToken. */
const csrfSchema = z.union([
  z.boolean(),
  z.object({ cookie: z.string().min(1).optional(), header: z.string().min(1).optional() }).strict(),
]);

const journeySchema = z
  .object({ name: z.string().min(1), csrf: csrfSchema.optional(), steps: z.array(stepSchema).min(1) })
  .strict();

const specSchema = z.union([
  z.array(checkSchema),
  z.object({ checks: z.array(checkSchema).optional(), journeys: z.array(journeySchema).optional() }).strict(),
]);

export type Expect = z.infer<typeof expectSchema>;
export type HeaderExpectation = z.infer<typeof headerExpectation>;
export type Capture = z.infer<typeof captureSchema>;
export type RequestSpec = z.infer<typeof requestSchema>;
export type StepSpec = z.infer<typeof stepSchema>;

export interface CheckSpec extends RequestSpec {
  name: string;
}
export interface CsrfSpec {
  /** The cookie an earlier step set (Django: csrftoken). */
  cookie: string;
  /** The request header that carries its value on POST, PUT, PATCH and DELETE (Django: X-CSRFToken). */
  header: string;
}
export interface JourneySpec {
  name: string;
  csrf?: CsrfSpec;
  steps: (StepSpec & { name: string })[];
}
export interface Spec {
  checks: CheckSpec[];
  journeys: JourneySpec[];
}

function nameAt(list: unknown, index: number, fallback: string): string {
  const item = Array.isArray(list) ? (list[index] as { name?: unknown } | undefined) : undefined;
  return typeof item?.name === 'string' && item.name !== '' ? item.name : fallback;
}

/** "check 'home', field 'expect.status'" style location for a zod issue. */
export function describeIssue(input: string, raw: unknown, issue: ZodIssue): string {
  if (issue.path.length === 0 && issue.code === 'invalid_union')
    return `'${input}' must be a list of checks, or an object with 'checks' and/or 'journeys'`;
  const path = [...issue.path];
  let where: string;
  let list: unknown = raw;
  if (Array.isArray(raw)) {
    where = '';
  } else if (path[0] === 'checks' || path[0] === 'journeys') {
    list = (raw as Record<string, unknown>)[path[0] as string];
    where = path[0] === 'checks' ? '' : 'journey';
    path.shift();
  } else {
    return `'${input}' ${path.length ? `field '${path.join('.')}' ` : ''}${issue.message}`;
  }
  if (typeof path[0] !== 'number') return `'${input}' ${issue.message}`;
  const index = path.shift() as number;
  if (where === 'journey') {
    const journey = nameAt(list, index, `#${index + 1}`);
    let location = `journey '${journey}'`;
    const [field, stepIndex] = path as (string | number)[];
    if (field === 'steps' && typeof stepIndex === 'number') {
      const steps = (Array.isArray(list) ? (list[index] as { steps?: unknown })?.steps : undefined) ?? [];
      location += ` step '${nameAt(steps, stepIndex, `#${stepIndex + 1}`)}'`;
      path.splice(0, 2);
    }
    return `'${input}' ${location}${path.length ? ` field '${path.join('.')}'` : ''}: ${issue.message}`;
  }
  const check = nameAt(list, index, `#${index + 1}`);
  return `'${input}' check '${check}'${path.length ? ` field '${path.join('.')}'` : ''}: ${issue.message}`;
}

/**
 * A union (list-or-object spec, number-or-string status...) reports only
 * "Invalid input" at its own level; the branch issue with the deepest path
 * is the one that names the offending field.
 */
export function mostSpecific(issue: ZodIssue): ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const candidates = issue.unionErrors.flatMap((e) => e.issues).map(mostSpecific);
  const deepest = candidates.reduce<ZodIssue | undefined>(
    (best, c) => (best === undefined || c.path.length > best.path.length ? c : best),
    undefined,
  );
  return deepest && deepest.path.length > issue.path.length ? deepest : issue;
}

function defaultName(req: RequestSpec, index: number): string {
  return req.name ?? `${req.method ?? 'GET'} ${req.url ?? '/'}`.trim() ?? `#${index + 1}`;
}

/** Validate a parsed spec value. `input` names where it came from (the input or the file). */
export function parseSpec(input: string, raw: unknown): Spec {
  if (raw === null || raw === undefined) return { checks: [], journeys: [] };
  const result = specSchema.safeParse(raw);
  if (!result.success) {
    throw new InputError(describeIssue(input, raw, mostSpecific(result.error.issues[0] as ZodIssue)));
  }
  const data = Array.isArray(result.data) ? { checks: result.data, journeys: [] } : result.data;
  const checks = (data.checks ?? []).map((c, i) => ({ ...c, name: defaultName(c, i) }));
  const journeys = (data.journeys ?? []).map((j) => ({
    name: j.name,
    ...(j.csrf === undefined || j.csrf === false
      ? {}
      : {
          csrf: {
            cookie: (j.csrf === true ? undefined : j.csrf.cookie) ?? 'csrftoken',
            header: (j.csrf === true ? undefined : j.csrf.header) ?? 'X-CSRFToken',
          },
        }),
    steps: j.steps.map((s, i) => ({ ...s, name: defaultName(s, i) })),
  }));
  const names = new Set<string>();
  for (const name of [...checks.map((c) => c.name), ...journeys.map((j) => j.name)]) {
    if (names.has(name))
      throw new InputError(`'${input}' has two checks or journeys named '${name}'; give each a unique name.`);
    names.add(name);
  }
  for (const check of checks) {
    const used = placeholdersIn(check);
    if (used.length > 0)
      throw new InputError(
        `'${input}' check '${check.name}' uses {{ ${used[0]} }}, but captures only exist inside journeys.`,
      );
  }
  for (const journey of journeys) {
    const captured = new Set<string>();
    for (const step of journey.steps) {
      const missing = placeholdersIn(step).find((v) => !captured.has(v));
      if (missing)
        throw new InputError(
          `'${input}' journey '${journey.name}' step '${step.name}' uses {{ ${missing} }} before any earlier step captures it.`,
        );
      for (const name of Object.keys(step.capture ?? {})) captured.add(name);
    }
  }
  return { checks, journeys };
}

/** Names of the secrets (`{{ secrets.NAME }}`) a spec's checks and journeys use, each once. */
export function secretsUsed(spec: Spec): string[] {
  const requests: RequestSpec[] = [...spec.checks, ...spec.journeys.flatMap((j) => j.steps)];
  const names = requests.flatMap((req) =>
    allPlaceholdersIn(req)
      .filter((p) => p.startsWith(SECRET_PREFIX))
      .map((p) => p.slice(SECRET_PREFIX.length)),
  );
  return [...new Set(names)];
}

/** Capture placeholders (secrets are checked against the `secrets` input instead). */
function placeholdersIn(req: RequestSpec): string[] {
  return allPlaceholdersIn(req).filter((p) => !p.startsWith(SECRET_PREFIX));
}

function allPlaceholdersIn(req: RequestSpec): string[] {
  const texts = [
    req.url ?? '',
    req.body ?? '',
    ...Object.values(req.headers ?? {}),
    ...Object.values(req.form ?? {}),
    req.json === undefined ? '' : JSON.stringify(req.json),
  ];
  return texts.flatMap(placeholders);
}
