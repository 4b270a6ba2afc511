import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { REPO_ROOT } from './run-action';

/**
 * GitHub's published REST description (@octokit/openapi, generated/api.github.com.json), loaded
 * once per process: its operations matched by path, its `$ref`s followed, and Ajv 8 validators
 * (with ajv-formats) compiled on demand for any schema in it.
 */

export const OPENAPI_FILE = path.join(
  REPO_ROOT,
  'node_modules',
  '@octokit',
  'openapi',
  'generated',
  'api.github.com.json',
);

export interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  literalSegments: number;
  op: OpenApiOperation;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: { type?: string; enum?: unknown[]; minimum?: number; maximum?: number };
}

export interface OpenApiOperation {
  operationId?: string;
  parameters?: ({ $ref: string } | OpenApiParameter)[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> } | { $ref: string };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}

export interface Description {
  doc: {
    paths: Record<string, Record<string, OpenApiOperation>>;
    components: Record<string, Record<string, unknown>>;
  };
  ajv: Ajv;
  operations: Operation[];
  validators: Map<string, ValidateFunction>;
}

let loaded: Description | undefined;

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'];

/** Load the 13 MB description once per process (the file itself, not the package's index of every variant). */
export function githubDescription(): Description {
  if (loaded) return loaded;
  const doc = JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')) as Description['doc'];
  // OpenAPI 3.0 schemas: `nullable` is understood by Ajv 8; x-github and example keywords are not
  // JSON Schema and are ignored (strict: false), formats are checked by ajv-formats.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'github');
  const operations = Object.entries(doc.paths).flatMap(([template, item]) => operationsOf(template, item));
  // The most literal template wins: /releases/tags/{tag} over /releases/{release_id}.
  operations.sort((a, b) => b.literalSegments - a.literalSegments || a.names.length - b.names.length);
  loaded = { doc, ajv, operations, validators: new Map() };
  return loaded;
}

/** One path item's operations, each with a regex that matches the template and captures its parameters. */
function operationsOf(template: string, item: Record<string, OpenApiOperation>): Operation[] {
  const names: string[] = [];
  const pattern = template
    .split('/')
    .map((segment) =>
      segment.replace(/\{([^}]+)\}|[^{}]+/g, (whole, name: string | undefined) => {
        if (name) {
          names.push(name);
          return '([^/]+)';
        }
        return whole.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      }),
    )
    .join('/');
  const literalSegments = template.split('/').filter((s) => s !== '' && !s.includes('{')).length;
  const operations: Operation[] = [];
  for (const method of METHODS) {
    const op = item[method];
    if (op)
      operations.push({ method, template, regex: new RegExp(`^${pattern}$`), names, literalSegments, op });
  }
  return operations;
}

function pointer(segments: readonly string[]): string {
  return '#/' + segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
}

/** The validator for the schema at these segments of the description (compiled once). */
export function validatorFor(d: Description, segments: readonly string[]): ValidateFunction {
  const key = pointer(segments);
  let v = d.validators.get(key);
  if (!v) {
    v = d.ajv.compile({ $ref: `github${key}` });
    d.validators.set(key, v);
  }
  return v;
}

/** Follow `$ref`s within the description until a value that is not one. */
export function deref<T>(d: Description, value: T | { $ref: string }): T {
  let current: unknown = value;
  while (current && typeof current === 'object' && '$ref' in current) {
    const ref = (current as { $ref: string }).$ref;
    const parts = ref
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    current = parts.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], d.doc);
  }
  return current as T;
}

/** The first five of a failed validation's errors, on one line. */
export function ajvErrors(v: ValidateFunction): string {
  return (v.errors ?? [])
    .slice(0, 5)
    .map(
      (e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    )
    .join('; ');
}
