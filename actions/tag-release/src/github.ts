import * as github from '@actions/github';
import { PolicyFailure, retry, RetryGaveUp, ToolError } from '@deploy-kit/shared';

/** The GitHub Releases API at the edge (GITHUB_API_URL, so GHES and the tests' stand-in work alike). */

type Octokit = ReturnType<typeof github.getOctokit>;

export interface Repo {
  owner: string;
  repo: string;
}

export interface ReleaseSpec {
  tag: string;
  sha: string;
  name: string;
  body: string;
  prerelease: boolean;
  /** Only a final release may become "latest". */
  latest: boolean;
}

export interface ReleaseResult {
  id: number;
  url: string;
  outcome: 'created' | 'updated';
}

interface HttpError {
  status: number;
  message: string;
  response?: { data?: { errors?: { code?: string; field?: string }[] } };
}

function isHttpError(error: unknown): error is HttpError {
  return typeof error === 'object' && error !== null && typeof (error as HttpError).status === 'number';
}

export function alreadyExists(error: unknown): boolean {
  return (
    isHttpError(error) &&
    error.status === 422 &&
    (error.response?.data?.errors ?? []).some((e) => e.code === 'already_exists')
  );
}

export function apiFailed(what: string, error: unknown): Error {
  if (isHttpError(error)) {
    if (error.status === 401)
      return new ToolError(`${what}: GitHub rejected the token (401); check the 'token' input.`);
    if (error.status === 403 || error.status === 404)
      return new ToolError(
        `${what}: GitHub answered ${error.status} (${error.message}); the token needs "contents: write" on this repository.`,
      );
    return new ToolError(`${what}: GitHub answered ${error.status} (${error.message}).`);
  }
  return new ToolError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}

/** 5xx, 429 and network errors are worth another try; a 4xx is an answer. */
export function transient(error: unknown): boolean {
  if (!isHttpError(error)) return true;
  return error.status >= 500 || error.status === 429 || error.status === 0;
}

export const API_DEADLINE_MS = 60_000;

/**
 * Retried under a deadline. A create whose answer was lost is safe to retry: the second attempt
 * gets 422 already_exists, which upsert turns into find-and-update.
 */
async function call<T>(
  fn: () => Promise<T>,
  onRetry?: (message: string) => void,
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await retry(fn, {
      deadlineMs: API_DEADLINE_MS,
      initialDelayMs: 500,
      retryable: transient,
      signal,
      onRetry: ({ attempt, delayMs, error }) =>
        onRetry?.(
          `GitHub API attempt ${attempt} failed (${isHttpError(error) ? error.status : String(error)}); retrying in ${delayMs} ms`,
        ),
    });
  } catch (error) {
    throw error instanceof RetryGaveUp ? error.lastError : error;
  }
}

export interface ReleasesOptions {
  /** A line for each retry (the log). */
  onRetry?: (message: string) => void;
  /** Aborts the request in flight and any wait between attempts (the runner cancelled the step). */
  signal?: AbortSignal;
}

export class Releases {
  private readonly octokit: Octokit;

  constructor(
    token: string,
    private readonly repo: Repo,
    apiUrl: string,
    private readonly options: ReleasesOptions = {},
  ) {
    this.octokit = github.getOctokit(token, {
      baseUrl: apiUrl,
      request: { timeout: 60_000, signal: options.signal },
    });
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return call(fn, this.options.onRetry, this.options.signal);
  }

  /** Every release (drafts included, which GET /releases/tags/{tag} never returns), to find a tag's. */
  async findByTag(tag: string): Promise<{ id: number; url: string } | undefined> {
    try {
      return await this.call(async () => {
        for await (const page of this.octokit.paginate.iterator(this.octokit.rest.repos.listReleases, {
          ...this.repo,
          per_page: 100,
        })) {
          const hit = page.data.find((r) => r.tag_name === tag);
          if (hit) return { id: hit.id, url: hit.html_url };
        }
        return undefined;
      });
    } catch (error) {
      throw apiFailed(`listing the releases to find ${tag}'s`, error);
    }
  }

  /** Create; on 422 already_exists (a rerun, a concurrent run, a draft someone made) find it and update it. */
  async upsert(spec: ReleaseSpec): Promise<ReleaseResult> {
    const fields = {
      name: spec.name,
      body: spec.body,
      draft: false,
      prerelease: spec.prerelease,
      make_latest: (spec.latest ? 'true' : 'false') as 'true' | 'false',
    };
    try {
      const created = await this.call(() =>
        this.octokit.rest.repos.createRelease({
          ...this.repo,
          tag_name: spec.tag,
          target_commitish: spec.sha,
          ...fields,
        }),
      );
      return { id: created.data.id, url: created.data.html_url, outcome: 'created' };
    } catch (error) {
      if (!alreadyExists(error)) throw apiFailed(`creating the release ${spec.tag}`, error);
    }
    const existing = await this.findByTag(spec.tag);
    if (!existing)
      throw new ToolError(
        `GitHub says a release for ${spec.tag} already exists, but it is not in the repository's release list; rerun the job.`,
      );
    try {
      const updated = await this.call(() =>
        this.octokit.rest.repos.updateRelease({ ...this.repo, release_id: existing.id, ...fields }),
      );
      return { id: updated.data.id, url: updated.data.html_url, outcome: 'updated' };
    } catch (error) {
      throw apiFailed(`updating the release ${spec.tag}`, error);
    }
  }

  /** A release attached to a floating tag (v1) would silently change under users: refuse to move it. */
  async assertNoRelease(tag: string): Promise<void> {
    try {
      const r = await this.call(() => this.octokit.rest.repos.getReleaseByTag({ ...this.repo, tag }));
      throw new PolicyFailure(
        `${tag} has a GitHub Release attached (${r.data.html_url}); a moving major tag must not carry one: ` +
          `delete that release (the tag can stay) or set move-major: false.`,
      );
    } catch (error) {
      if (error instanceof PolicyFailure) throw error;
      if (isHttpError(error) && error.status === 404) return;
      throw apiFailed(`looking up a release on ${tag}`, error);
    }
  }
}
