import { errors as undiciErrors } from 'undici';

/**
 * Network failures (undici, socket and TLS errors) turned into one phrase naming the cause: what
 * a reader of a smoke-test report needs, instead of undici's class names and OpenSSL codes.
 */

/** A network-level failure described in one phrase (what a reader of a smoke-test report needs). */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

const TLS_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is not valid for this host name',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed and not trusted (pass ca-cert)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in an untrusted self-signed CA (pass ca-cert)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate chain cannot be verified (missing intermediate or CA)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate issuer is not trusted (pass ca-cert)',
  CERT_NOT_YET_VALID: 'the certificate is not yet valid',
};

export function describeTlsError(code: string): string {
  return TLS_REASONS[code] ?? `TLS verification failed (${code})`;
}

/** Turn undici / socket errors into one phrase naming the cause. */
export function describeHttpError(error: unknown, url: string): HttpError {
  const e = error as
    { code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  const where = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  if (error instanceof undiciErrors.ConnectTimeoutError)
    return new HttpError(`connecting to ${where} timed out`, 'CONNECT_TIMEOUT', { cause: error });
  if (error instanceof undiciErrors.HeadersTimeoutError)
    return new HttpError(
      `${where} accepted the connection but sent no response headers in time`,
      'HEADERS_TIMEOUT',
      {
        cause: error,
      },
    );
  if (error instanceof undiciErrors.BodyTimeoutError)
    return new HttpError(`${where} stopped sending the response body`, 'BODY_TIMEOUT', { cause: error });
  if (e && (e as { name?: string }).name === 'AbortError')
    return new HttpError(`no answer from ${where} before the deadline`, 'DEADLINE', { cause: error });
  if (code && (code in TLS_REASONS || code.startsWith('ERR_TLS') || code.includes('CERT')))
    return new HttpError(`TLS to ${where} failed: ${describeTlsError(code)}`, code, { cause: error });
  switch (code) {
    case 'ECONNREFUSED':
      return new HttpError(`connection to ${where} refused`, code, { cause: error });
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return new HttpError(`${where} closed the connection without an answer`, code, { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new HttpError(`host name of ${where} does not resolve`, code, { cause: error });
    default:
      return new HttpError(`request to ${where} failed: ${e?.message ?? String(error)}`, code, {
        cause: error,
      });
  }
}
