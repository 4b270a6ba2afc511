import type * as http from 'node:http';

/** What the GitHub stand-in's routes receive and answer, and what it records. */

export interface StandInRequest {
  method: string;
  /** The description's path template, e.g. /repos/{owner}/{repo}/releases. */
  template: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface StandInResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: StandInRequest) => StandInResponse | Promise<StandInResponse>;

export interface StandInRecord {
  method: string;
  path: string;
  template?: string;
  status: number;
  body?: unknown;
}

export interface GitHubStandInOptions {
  /** Requests must carry it as `token X` or `Bearer X`; a wrong one gets 401. */
  token?: string;
  owner?: string;
  repo?: string;
  /** The web address html_url values point at. */
  serverUrl?: string;
}
