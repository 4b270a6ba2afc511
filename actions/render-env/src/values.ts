import * as fs from 'node:fs';
import { InputError } from '@deploy-kit/shared';
import { isMap, isSeq, LineCounter, parseDocument, type ScalarTag, type YAMLError } from 'yaml';
import { displayPath, expandEntry } from './value-files';
import { decryptVault, isVaultText, parseVaultHeader } from './vault';

export { displayPath, expandEntry, expandEnvironment } from './value-files';

/**
 * Loading and merging of the values a template can use.
 *
 * Precedence (later wins, top-level keys are replaced whole, as Ansible's
 * default `hash_behaviour: replace` does):
 *   vars  namespace: each `vars-files` entry in the order given (a directory
 *                    contributes all/ before <environment>/), then the inline
 *                    `vars` input last.
 *   vault namespace: whole-file encrypted files met in `vars-files`, then each
 *                    `vault-files` entry in the order given.
 * Inline `!vault |` scalars stay where they are (in `vars`), decrypted, and
 * count as secret values.
 */

export type Namespace = 'vars' | 'vault';
export type Mapping = Record<string, unknown>;

export interface LoadedLayer {
  /** Workspace-relative path, or "'vars' input". */
  source: string;
  namespace: Namespace;
  /** 'file': whole-file Ansible Vault; 'inline': plain file with `!vault` scalars. */
  encryption: 'none' | 'file' | 'inline';
  /** Vault format of an encrypted file, e.g. "1.1" or "1.2 (label staging)". */
  vaultFormat?: string;
  keys: string[];
  data: Mapping;
}

export interface LoadedValues {
  vars: Mapping;
  vault: Mapping;
  /** Every decrypted value (whole vault files and inline scalars): to register and to classify keys. */
  secretValues: string[];
  layers: LoadedLayer[];
  warnings: string[];
}

/** Marker for a `!vault |` scalar until we decrypt it with a name for the error message. */
export class VaultScalar {
  constructor(readonly ciphertext: string) {}
}

const CUSTOM_TAGS: ScalarTag[] = [
  { tag: '!vault', resolve: (text: string) => new VaultScalar(text) },
  // Ansible's marker for "do not template this"; we never template values, so it is a plain string.
  { tag: '!unsafe', resolve: (text: string) => text },
];

function yamlError(source: string, error: YAMLError, lines: LineCounter, showReason: boolean): InputError {
  const pos = lines.linePos(error.pos[0]);
  const where = ` at line ${pos.line}, column ${pos.col}`;
  const reason = showReason
    ? `: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`
    : ' (details withheld: the text was decrypted from a vault)';
  return new InputError(`${source} is not valid YAML or JSON${where}${reason}.`);
}

/** Parse YAML (a superset of JSON) into a mapping; `!vault` scalars come back as VaultScalar. */
export function parseMapping(text: string, source: string, decrypted = false): Mapping {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    merge: true,
    customTags: CUSTOM_TAGS,
  });
  const first = doc.errors[0];
  if (first) throw yamlError(source, first, lines, !decrypted);
  const unresolved = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (unresolved) throw yamlError(source, unresolved, lines, !decrypted);
  if (doc.contents === null) return {};
  if (!isMap(doc.contents))
    throw new InputError(
      `${source} must be a YAML mapping of names to values, got ${isSeq(doc.contents) ? 'a list' : 'a single value'}.`,
    );
  return doc.toJS({ maxAliasCount: 100 }) as Mapping;
}

/** Walk a parsed value, decrypting `!vault` scalars in place; returns the decrypted strings. */
function decryptInline(
  value: unknown,
  password: string,
  source: string,
  at: string,
): { value: unknown; secrets: string[] } {
  if (value instanceof VaultScalar) {
    const plain = decryptVault(value.ciphertext, password, `${source} ('${at}', !vault)`);
    return { value: plain, secrets: [plain] };
  }
  if (Array.isArray(value)) {
    const secrets: string[] = [];
    const out = value.map((item, i) => {
      const r = decryptInline(item, password, source, `${at}[${i}]`);
      secrets.push(...r.secrets);
      return r.value;
    });
    return { value: out, secrets };
  }
  if (value !== null && typeof value === 'object') {
    const secrets: string[] = [];
    const out: Mapping = {};
    for (const [k, v] of Object.entries(value as Mapping)) {
      const r = decryptInline(v, password, source, at === '' ? k : `${at}.${k}`);
      secrets.push(...r.secrets);
      out[k] = r.value;
    }
    return { value: out, secrets };
  }
  return { value, secrets: [] };
}

/** Every scalar in a value, as the text it would render to (for masking). Booleans and null mask nothing useful. */
export function scalarLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'bigint') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(scalarLeaves);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(scalarLeaves);
  return [];
}

function templateLookalikes(data: Mapping, source: string): string[] {
  const hits: string[] = [];
  const walk = (value: unknown, at: string): void => {
    if (typeof value === 'string' && /\{\{|\{%/.test(value)) hits.push(at);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`));
    else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, at === '' ? k : `${at}.${k}`);
  };
  walk(data, '');
  return hits.map(
    (at) =>
      `${source}: '${at}' contains '{{' or '{%'; values are not templates (Jinja in vars files is not evaluated), reference vault.<name> or vars.<name> from the env template instead.`,
  );
}

export interface ParsedValues {
  data: Mapping;
  encryption: LoadedLayer['encryption'];
  vaultFormat?: string;
  secrets: string[];
}

/**
 * Parse one values text: whole-file vault (decrypted, then YAML), or plain YAML
 * possibly holding `!vault` scalars. `requireEncrypted` is for `vault-files`:
 * a plaintext file there is refused, so a forgotten `ansible-vault encrypt`
 * cannot slip secrets into the repository unnoticed.
 */
export function parseValues(
  text: string,
  source: string,
  password: string,
  requireEncrypted: boolean,
): ParsedValues {
  if (isVaultText(text)) {
    const header = parseVaultHeader(text, source);
    const plain = decryptVault(text, password, source);
    const data = parseMapping(plain, `${source} (decrypted)`, true);
    const vaultFormat = header.label ? `${header.version} (label ${header.label})` : header.version;
    return { data, encryption: 'file', vaultFormat, secrets: scalarLeaves(data) };
  }
  if (requireEncrypted)
    throw new InputError(
      `${source} is listed in 'vault-files' but is not Ansible Vault-encrypted; run ansible-vault encrypt on it or move it to 'vars-files'.`,
    );
  const parsed = parseMapping(text, source);
  const { value, secrets } = decryptInline(parsed, password, source, '');
  return { data: value as Mapping, encryption: secrets.length > 0 ? 'inline' : 'none', secrets };
}

/** Later layers replace earlier top-level keys whole. */
export function mergeLayers(layers: readonly Mapping[]): Mapping {
  return Object.assign({}, ...layers) as Mapping;
}

export interface LoadOptions {
  varsFiles: readonly string[];
  vaultFiles: readonly string[];
  /** The inline `vars` input, raw ('' when not given). */
  inlineVars: string;
  environment: string;
  vaultPassword: string;
  /** Where relative entries start (the working-directory input); default the workspace. */
  workingDirectory?: string;
}

export function loadValues(options: LoadOptions): LoadedValues {
  const layers: LoadedLayer[] = [];
  const secretValues: string[] = [];
  const warnings: string[] = [];
  const add = (source: string, parsed: ParsedValues, forced?: Namespace): void => {
    const namespace: Namespace = forced ?? (parsed.encryption === 'file' ? 'vault' : 'vars');
    layers.push({
      source,
      namespace,
      encryption: parsed.encryption,
      vaultFormat: parsed.vaultFormat,
      keys: Object.keys(parsed.data),
      data: parsed.data,
    });
    secretValues.push(...parsed.secrets);
    if (namespace === 'vars' && parsed.encryption !== 'file')
      warnings.push(...templateLookalikes(parsed.data, source));
  };
  const readFile = (file: string): string => fs.readFileSync(file, 'utf8');

  for (const entry of options.varsFiles)
    for (const file of expandEntry('vars-files', entry, options.environment, options.workingDirectory)) {
      const source = displayPath(file);
      add(source, parseValues(readFile(file), source, options.vaultPassword, false));
    }
  for (const entry of options.vaultFiles)
    for (const file of expandEntry('vault-files', entry, options.environment, options.workingDirectory)) {
      const source = displayPath(file);
      add(source, parseValues(readFile(file), source, options.vaultPassword, true), 'vault');
    }
  if (options.inlineVars.trim() !== '') {
    const source = "'vars' input";
    let parsed: ParsedValues;
    try {
      parsed = parseValues(options.inlineVars, source, options.vaultPassword, false);
    } catch (error) {
      if (error instanceof InputError && /got a single value/.test(error.message))
        throw new InputError(
          `${error.message.replace(/\.$/, '')}; to read values from a file use 'vars-files'.`,
        );
      throw error;
    }
    add(source, parsed);
  }

  // Stable order: vars layers in the order met, then the inline input last (it was added last).
  const vars = mergeLayers(layers.filter((l) => l.namespace === 'vars').map((l) => l.data));
  const vault = mergeLayers(layers.filter((l) => l.namespace === 'vault').map((l) => l.data));
  return { vars, vault, secretValues: secretValues.filter((s) => s !== ''), layers, warnings };
}
