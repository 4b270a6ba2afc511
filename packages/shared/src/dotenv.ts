/**
 * The env file as Compose v2 reads it: a line-by-line TypeScript port of compose-go's env_file
 * reader. One reader for the product (remote-deploy masks what Compose will hand the containers,
 * and reads the backup presets' connection settings) and for the tests (render-env's encoder is
 * checked against it, and it is checked against the real Compose v2 CLI).
 *
 * Why a port: neither Go nor compose-go is packaged in Debian bookworm, and no npm library reads
 * env files with compose-go's rules (Node's util.parseEnv and the dotenv package decode quotes,
 * escapes and CR differently, which is how values slipped past the masks).
 *
 * Ported from compose-spec/compose-go/v2 as vendored in docker/cli
 * (commit 8d8bd95431c13b5a371a1a2f1b965f2566b4e148):
 *   - dotenv/parser.go   (parser.parse, getStatementStart, locateKeyName, extractVarValue,
 *                         expandEscapes, isSpace) — the escape-aware parser that follows
 *                         compose-go PR #511 ("restore support for escaped quoted char", Dec 2023);
 *   - dotenv/godotenv.go (ParseWithLookup: BOM trim; expandVariables: lookupFn first, then the
 *                         values already parsed);
 *   - template/template.go from compose-spec/compose-go (Substitute / SubstituteWith with its
 *                         default, soft/hard default and required functions).
 * The port lives in dotenv-template.ts (interpolation) and dotenv-parser.ts (statements); this
 * module is the entry point and turns compose-go's errors into input errors that name no value.
 * Compose calls ParseWithLookup for each env_file with the project environment as lookup
 * (types/project.go WithServicesEnvironmentResolved). Go works on bytes; every character this code
 * compares is ASCII, so walking UTF-16 code units gives the same cuts.
 */
import { InputError } from './errors';
import { parseStatements } from './dotenv-parser';
import { ComposeGoError, withInvalidDollarKept, type Lookup } from './dotenv-template';

export { ComposeGoError, type Lookup } from './dotenv-template';

/**
 * dotenv.ParseWithLookup on the file's bytes (decoded as UTF-8): the map Compose puts into the
 * service environment. Throws ComposeGoError where compose-go returns an error (Compose refuses
 * the project).
 */
export function parseComposeGoDotenv(
  content: string,
  lookup: Lookup = () => undefined,
  options: { keepInvalidDollar?: boolean } = {},
): Map<string, string> {
  return withInvalidDollarKept(options.keepInvalidDollar ?? false, () => parseStatements(content, lookup));
}

/**
 * An env file given as an input, read as Compose reads it: the variables in file order. A file
 * Compose would refuse is refused here, naming the input and compose-go's reason (never a value).
 * `lookup` is the project environment Compose would expand `${NAME}` from; on the runner it is
 * unknown, so by default nothing outside the file is set.
 */
export function readComposeEnvFile(
  text: string | Buffer,
  inputName: string,
  lookup: Lookup = () => undefined,
): Map<string, string> {
  try {
    return parseComposeGoDotenv(typeof text === 'string' ? text : text.toString('utf8'), lookup, {
      keepInvalidDollar: true,
    });
  } catch (error) {
    if (!(error instanceof ComposeGoError)) throw error;
    throw new InputError(
      `'${inputName}' is not an env file Compose can read: ${safeReason(error.message)}.`,
      { cause: error },
    );
  }
}

/** compose-go's messages quote the offending text, which may be a secret: keep only their kind. */
function safeReason(message: string): string {
  const required = /required variable ([A-Za-z0-9_]+) is missing a value/.exec(message);
  if (required) return `${required[1]} is required by a \${${required[1]}?...} reference and is not set`;
  if (message.startsWith('unexpected character'))
    return 'a variable name has a character Compose refuses (use letters, digits, _ . -)';
  if (message.startsWith('unterminated quoted value')) return 'a quoted value is never closed';
  if (message.startsWith('Invalid template'))
    return "a '$' starts no ${NAME} reference (write '$$' for a literal '$')";
  if (message === 'key cannot contain a space') return 'a variable name contains a space';
  return 'Compose cannot parse it';
}
