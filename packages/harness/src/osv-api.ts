import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { affectsVersion, type OsvRecord } from './osv-data';

/**
 * The two OSV API calls the stand-in answers — `POST /v1/query` and `GET /v1/vulns/{id}` — with
 * every record it serves validated against the published OSV schema (schema.json, JSON Schema
 * 2020-12) and every query against OSV's documented query shape. What does not conform is
 * answered 400 and recorded in `violations`.
 */

/**
 * The request body of POST /v1/query as OSV's API description documents it: a
 * package (name + ecosystem, or purl) with a version or a commit, and an
 * optional page token. Written from the documentation; pip-audit sends
 * {package: {name, ecosystem}, version}.
 */
export const OSV_QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    commit: { type: 'string', minLength: 1 },
    version: { type: 'string', minLength: 1 },
    page_token: { type: 'string' },
    package: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1 },
        ecosystem: { type: 'string', minLength: 1 },
        purl: { type: 'string', minLength: 1 },
      },
    },
  },
  anyOf: [{ required: ['commit'] }, { required: ['package'] }],
} as const;

export interface OsvAnswer {
  status: number;
  json: unknown;
}

interface OsvValidators {
  errorsText: Ajv2020['errorsText'];
  record: ValidateFunction;
  query: ValidateFunction;
}

/** The OSV schema (from the data directory) and the query shape, compiled. */
export function osvValidators(dataDir: string): OsvValidators {
  const schema = JSON.parse(fs.readFileSync(path.join(dataDir, 'schema.json'), 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const record = ajv.compile(schema);
  const query = ajv.compile(OSV_QUERY_SCHEMA);
  return { errorsText: (errors, options) => ajv.errorsText(errors, options), record, query };
}

interface Api {
  records: Map<string, OsvRecord>;
  validate: OsvValidators;
  violations: string[];
}

/**
 * Answers OSV's API from these records. A record that fails the schema is a broken fixture: it is
 * recorded as a violation now, before any test relies on it, and again whenever it is served.
 */
export function osvAnswerer(
  records: Map<string, OsvRecord>,
  validate: OsvValidators,
  violations: string[],
): (req: http.IncomingMessage, body: string) => OsvAnswer {
  for (const record of records.values())
    if (!validate.record(record as unknown))
      violations.push(
        `record ${record.id} does not match the OSV schema: ${validate.errorsText(validate.record.errors)}`,
      );
  const api: Api = { records, validate, violations };
  return (req, body) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (req.method === 'POST' && url.pathname === '/v1/query') return answerQuery(api, body);
    const m = /^\/v1\/vulns\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const record = records.get(decodeURIComponent(m[1] as string));
      if (!record) return { status: 404, json: { code: 5, message: 'Bug not found.' } };
      return { status: 200, json: serve(api, record) };
    }
    violations.push(`unexpected request ${req.method} ${url.pathname}`);
    return { status: 404, json: { code: 5, message: 'Not found.' } };
  };
}

function serve({ validate, violations }: Api, record: OsvRecord): OsvRecord {
  if (!validate.record(record as unknown))
    violations.push(
      `served ${record.id}, which does not match the OSV schema: ${validate.errorsText(validate.record.errors)}`,
    );
  return record;
}

/** POST /v1/query: the records that affect a PyPI name at a version. */
function answerQuery(api: Api, body: string): OsvAnswer {
  const { validate, violations } = api;
  let query: unknown;
  try {
    query = JSON.parse(body);
  } catch {
    violations.push(`POST /v1/query with a body that is not JSON: ${body.slice(0, 80)}`);
    return { status: 400, json: { code: 3, message: 'Invalid JSON body.' } };
  }
  if (!validate.query(query)) {
    violations.push(
      `POST /v1/query body does not match OSV's query shape: ${validate.errorsText(validate.query.errors)}`,
    );
    return { status: 400, json: { code: 3, message: 'Invalid query.' } };
  }
  const q = query as { package?: { name?: string; ecosystem?: string }; version?: string };
  if (!q.package?.name || q.package.ecosystem !== 'PyPI' || !q.version) {
    violations.push(`POST /v1/query asked for something other than a PyPI name + version: ${body}`);
    return { status: 400, json: { code: 3, message: 'Unsupported query for this stand-in.' } };
  }
  const { name } = q.package;
  const version = q.version;
  const vulns = [...api.records.values()]
    .filter((r) => affectsVersion(r, name, version))
    .map((r) => serve(api, r));
  // osv.dev answers {} (not {"vulns": []}) when nothing matches.
  return { status: 200, json: vulns.length > 0 ? { vulns } : {} };
}
