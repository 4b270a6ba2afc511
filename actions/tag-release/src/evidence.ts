import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, parseYamlOrJson } from '@deploy-kit/shared';

/**
 * The pipeline's evidence for the release notes' Validation section: the `results` outputs of
 * lint-gate, pip-audit, smoke-test and the deploy (remote-deploy or the one-step deploy), the
 * images deployed, and where the smoke test and deploy ran. Each value is the JSON object itself
 * (what `${{ needs.x.outputs.results }}` expands to), that JSON as a string, or the path of a
 * JSON file (a downloaded artifact), relative to working-directory.
 */

export type Json = Record<string, unknown>;

export interface Evidence {
  /** Where the smoke test and the deploy ran (e.g. staging). */
  environment?: string;
  lintGate?: Json;
  pipAudit?: Json;
  smokeTest?: Json;
  deploy?: Json;
  /** service → registry/name:tag@sha256:digest, as deployed. */
  images?: Record<string, string>;
}

const KEYS = ['environment', 'lint-gate', 'pip-audit', 'smoke-test', 'deploy', 'images'] as const;
type Key = (typeof KEYS)[number];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One value: an object, its JSON text, or a JSON file's path. */
function loadValue(key: Key, value: unknown, cwd: string): Json {
  if (isObject(value)) return value;
  if (typeof value !== 'string' || value.trim() === '')
    throw new InputError(
      `'evidence' ${key} must be a results JSON object, its JSON text or the path of a JSON file.`,
    );
  const text = value.trim();
  if (text.startsWith('{')) return parseObject(key, text, 'its JSON');
  const file = path.resolve(cwd, text);
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(
      `'evidence' ${key}: cannot read ${text} (${(error as NodeJS.ErrnoException).code ?? String(error)}); give the results JSON or a file under working-directory.`,
    );
  }
  return parseObject(key, content, text);
}

function parseObject(key: Key, text: string, where: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`'evidence' ${key}: ${where} is not JSON (${(error as Error).message}).`);
  }
  if (!isObject(value)) throw new InputError(`'evidence' ${key}: ${where} is not a JSON object.`);
  return value;
}

function requireStatus(key: Key, value: Json): Json {
  if (typeof value.status !== 'string')
    throw new InputError(
      `'evidence' ${key} must be the ${key === 'deploy' ? 'remote-deploy or deploy' : key} action's results output (a JSON object with status).`,
    );
  return value;
}

/** build-images' images output, or its results (with images). */
function imagesOf(value: Json): Record<string, string> {
  const map = isObject(value.images) && typeof value.status === 'string' ? value.images : value;
  const out: Record<string, string> = {};
  for (const [service, ref] of Object.entries(map)) {
    if (typeof ref !== 'string' || ref.trim() === '')
      throw new InputError(
        `'evidence' images must be build-images' images output (service to image reference); '${service}' is not a string.`,
      );
    out[service] = ref.trim();
  }
  return out;
}

/** The `evidence` input, checked and loaded. Empty: no evidence. */
export function parseEvidence(text: string, cwd: string): Evidence {
  if (text.trim() === '') return {};
  const raw = parseYamlOrJson('evidence', text);
  if (!isObject(raw))
    throw new InputError(
      `'evidence' must be an object with any of ${KEYS.join(', ')} (each a results JSON object or a JSON file).`,
    );
  const out: Evidence = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(KEYS as readonly string[]).includes(key))
      throw new InputError(`'evidence' has an unknown key '${key}'; the keys are ${KEYS.join(', ')}.`);
    if (value === null || value === '') continue; // a job that did not run gives an empty output
    const k = key as Key;
    if (k === 'environment') {
      if (typeof value !== 'string' || !/^[\w.-]+$/.test(value.trim()))
        throw new InputError(`'evidence' environment must be a name such as staging.`);
      out.environment = value.trim();
    } else if (k === 'images') out.images = imagesOf(loadValue(k, value, cwd));
    else {
      const loaded = requireStatus(k, loadValue(k, value, cwd));
      if (k === 'lint-gate') out.lintGate = loaded;
      else if (k === 'pip-audit') out.pipAudit = loaded;
      else if (k === 'smoke-test') out.smokeTest = loaded;
      else out.deploy = loaded;
    }
  }
  return out;
}

export function hasEvidence(e: Evidence): boolean {
  return Object.values(e).some((v) => v !== undefined);
}
