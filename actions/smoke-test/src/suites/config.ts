/** What the built-in suites need, from the action's inputs. */
export interface SuiteConfig {
  /** The `url` input: the site under test. */
  baseUrl: string;
  requestTimeoutMs: number;
  ca?: string;
  resolve: readonly { host: string; port: number; address: string }[];
  version: {
    expected?: string;
    header?: string;
    jsonPath?: string;
    url?: string;
    /** Consecutive answers (each on a new connection) that must all carry the expected version. */
    answers: number;
  };
  https: { httpUrl?: string; minCertDays: number };
  headers: { hstsMinAge: number; hstsIncludeSubdomains: boolean };
  django: {
    staticPath: string;
    cookiePath: string;
    cookieNames: readonly string[];
    cookieFlags: readonly ('secure' | 'httponly' | 'samesite')[];
    metricsPath?: string;
    metricsToken?: string;
  };
}

export const SUITES = ['version', 'https', 'headers', 'django'] as const;
export type SuiteName = (typeof SUITES)[number];
