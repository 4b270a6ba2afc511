import { utils as ssh2utils } from 'ssh2';
import { InputError } from './errors';
import { sha256Fingerprint } from './ssh-hostkeys';

/** Client keys: the private key secret, normalised and parsed before any host is contacted. */

/**
 * Secrets pasted into GitHub often arrive with CRLF line ends, surrounding
 * blanks, or literal `\n` sequences (one-line secrets); OpenSSH key parsing
 * wants clean LF lines ending in a newline.
 */
export function normalisePrivateKey(text: string): string {
  let key = text.replace(/\r\n?/g, '\n').trim();
  if (!key.includes('\n') && key.includes('\\n')) key = key.replace(/\\n/g, '\n');
  key = key
    .split('\n')
    .map((line) => line.trim())
    .join('\n');
  return `${key}\n`;
}

export interface ParsedClientKey {
  /** Normalised key text, handed to ssh2. */
  text: string;
  passphrase?: string;
  /** ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ... */
  type: string;
  publicFingerprint: string;
}

/** Parse a private key now, so a broken secret fails at once with a sentence, not after connecting to every host. */
export function parseClientKey(
  raw: string,
  passphrase: string | undefined,
  inputName = 'private-key',
): ParsedClientKey {
  const text = normalisePrivateKey(raw);
  const parsed = ssh2utils.parseKey(text, passphrase && passphrase !== '' ? passphrase : undefined);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase|decrypt/i.test(parsed.message);
    throw new InputError(
      encrypted
        ? `'${inputName}' is passphrase-protected and the passphrase is missing or wrong (${parsed.message}); set the passphrase input.`
        : `'${inputName}' could not be parsed as a private key (${parsed.message}); paste the whole OpenSSH or PEM key including its BEGIN/END lines.`,
    );
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) throw new InputError(`'${inputName}' holds no private key.`);
  if (!key.isPrivateKey())
    throw new InputError(
      `'${inputName}' holds a public key; it must be the private key (the file without .pub).`,
    );
  return {
    text,
    passphrase: passphrase && passphrase !== '' ? passphrase : undefined,
    type: key.type,
    publicFingerprint: sha256Fingerprint(key.getPublicSSH()),
  };
}
