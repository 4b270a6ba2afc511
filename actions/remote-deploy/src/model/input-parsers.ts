import { InputError, parseYamlOrJson, validate } from '@deploy-kit/shared';
import { z } from 'zod';
import { checkImage, checkService } from './validate';

/*
 * The parsers of remote-deploy's structured inputs, pure (text in, value or InputError out):
 * the one-step deploy reads the same inputs through them.
 */

/**
 * `secret-keys`: render-env's output (a JSON list) or names one per line / comma separated. Keys
 * only, never values: safe to print.
 */
export function parseSecretKeys(text: string, inputName = 'secret-keys'): string[] {
  const t = text.trim();
  if (t === '') return [];
  const list = t.startsWith('[')
    ? validate(inputName, z.array(z.string()), parseYamlOrJson(inputName, t))
    : t.split(/[\s,]+/).filter((k) => k !== '');
  for (const key of list)
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key))
      throw new InputError(
        `'${inputName}' has ${JSON.stringify(key.slice(0, 60))}, which is not an env variable name; pass render-env's secret-keys output or KEY names.`,
      );
  return list;
}

/** `service=image` lines or a YAML/JSON map. */
export function parseImages(text: string, inputName = 'images'): Record<string, string> {
  const t = text.trim();
  if (t === '') return {};
  let map: Record<string, string>;
  // Image references never contain "=", so any "=" means the service=image line form.
  if (t.includes('=') && !t.startsWith('{')) {
    map = {};
    for (const line of t.split(/\r?\n/).map((l) => l.trim())) {
      if (line === '' || line.startsWith('#')) continue;
      const eq = line.indexOf('=');
      if (eq <= 0) throw new InputError(`'${inputName}' line '${line.slice(0, 60)}' must be service=image.`);
      map[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
  } else {
    map = validate(inputName, z.record(z.string()), parseYamlOrJson(inputName, t));
  }
  for (const [service, image] of Object.entries(map)) {
    checkService(inputName, service);
    checkImage(inputName, image);
  }
  return map;
}
