import * as github from '@actions/github';
import {
  PolicyFailure,
  retry,
  RetryGaveUp,
  sleep,
  ToolError,
  withProgress,
  type ProgressOptions,
} from '@deploy-kit/shared';
import {
  alreadyExists,
  apiFailed,
  isHttpError,
  RATE_LIMIT_WAIT_MS,
  rateLimitOf,
  transient,
} from './api-errors';

export { alreadyExists, apiFailed, transient } from './api-errors';

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

export const API_DEADLINE_MS = 60_000;

/**
 * Retried under a deadline. A create whose answer was lost is safe to retry: the second attempt
 * gets 422 already_exists, which upsert turns into find-and-update. A rate limit (403/429 with
 * x-ratelimit-remaining: 0, or retry-after) is waited out as GitHub asks, within RATE_LIMIT_WAIT_MS.
 */
async function call<T>(fn: () => Promise<T>, options: ReleasesOptions): Promise<T> {
  const { onRetry, signal } = options;
  const started = Date.now();
  for (;;) {
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
    } catch (caught) {
      const error = caught instanceof RetryGaveUp ? caught.lastError : caught;
      const limit = rateLimitOf(error, Date.now());
      // Past the wait we allow, the error goes up and apiFailed says "rate limit" and until when.
      if (!limit || Date.now() - started + limit.waitMs > RATE_LIMIT_WAIT_MS) throw error;
      onRetry?.(
        `GitHub's ${limit.kind} rate limit was hit; waiting ${Math.ceil(limit.waitMs / 1000)} s as it asks`,
      );
      await withProgress(
        () => `waiting for GitHub's ${limit.kind} rate limit`,
        () => sleep(limit.waitMs, signal),
        options.progress,
      );
    }
  }
}

export interface ReleasesOptions {
  /** A line for each retry (the log). */
  onRetry?: (message: string) => void;
  /** Aborts the request in flight and any wait between attempts (the runner cancelled the step). */
  signal?: AbortSignal;
  /** Progress lines while a rate limit is waited out. */
  progress?: ProgressOptions;
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
    return call(fn, this.options);
  }

  /** Every release (drafts included, which GET /releases/tags/{tag} never returns), to find a tag's. */
  async findByTag(
    tag: string,
  ): Promise<{ id: number; url: string; body: string; prerelease: boolean } | undefined> {
    try {
      return await this.call(async () => {
        for await (const page of this.octokit.paginate.iterator(this.octokit.rest.repos.listReleases, {
          ...this.repo,
          per_page: 100,
        })) {
          const hit = page.data.find((r) => r.tag_name === tag);
          if (hit) return { id: hit.id, url: hit.html_url, body: hit.body ?? '', prerelease: hit.prerelease };
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

  /** Replace a release's notes, and nothing else (name, pre-release, Latest stay as they are). */
  async updateBody(id: number, body: string, tag: string): Promise<string> {
    try {
      const r = await this.call(() =>
        this.octokit.rest.repos.updateRelease({ ...this.repo, release_id: id, body }),
      );
      return r.data.html_url;
    } catch (error) {
      throw apiFailed(`updating the notes of the release ${tag}`, error);
    }
  }

  /** The tags of every published final release (not drafts, not prereleases): what "Latest" is chosen among. */
  async finalReleaseTags(): Promise<string[]> {
    try {
      return await this.call(async () => {
        const tags: string[] = [];
        for await (const page of this.octokit.paginate.iterator(this.octokit.rest.repos.listReleases, {
          ...this.repo,
          per_page: 100,
        }))
          for (const r of page.data) if (!r.draft && !r.prerelease) tags.push(r.tag_name);
        return tags;
      });
    } catch (error) {
      throw apiFailed('listing the releases', error);
    }
  }

  /** Mark an existing, published final release Latest; false when the tag has none (yet). */
  async markLatest(tag: string): Promise<boolean> {
    const found = await this.findByTag(tag);
    if (!found) return false;
    try {
      const r = await this.call(() =>
        this.octokit.rest.repos.updateRelease({ ...this.repo, release_id: found.id, make_latest: 'true' }),
      );
      return !r.data.draft && !r.data.prerelease;
    } catch (error) {
      throw apiFailed(`marking ${tag} Latest`, error);
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
