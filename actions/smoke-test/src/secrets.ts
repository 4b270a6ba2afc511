import { isSecretName } from '@deploy-kit/shared';
import type { RequestSpec, Spec } from './spec';

/** Header names whose values are credentials. */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie)$|token|secret|api[-_]?key|password|session|csrf/i;

/** Values to mask: secret-looking headers (whole value and the credential after the scheme) and password-like form fields. */
export function secretHeaderValues(spec: Spec): string[] {
  const requests: RequestSpec[] = [...spec.checks, ...spec.journeys.flatMap((j) => j.steps)];
  const values: string[] = [];
  for (const req of requests) {
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      // THE MASKING RULE (packages/shared/src/secrets.ts) plus the credential-carrying HTTP headers.
      if (!SECRET_HEADER.test(name) && !isSecretName(name)) continue;
      values.push(value);
      const credential = /^\s*(?:bearer|basic|token|digest)\s+(.+)$/i.exec(value)?.[1];
      if (credential) values.push(credential.trim());
    }
    for (const [name, value] of Object.entries(req.form ?? {}))
      if (/pass|token|secret/i.test(name) || isSecretName(name)) values.push(value);
  }
  // Templates ({{ csrf }}) are masked once captured, not as the literal placeholder.
  return values.filter((v) => v.trim() !== '' && !/^\s*\{\{[^}]+\}\}\s*$/.test(v));
}
