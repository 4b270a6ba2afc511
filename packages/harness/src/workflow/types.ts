import type { GitHubStandIn } from '../github-standin';
import type { Value } from './expressions';

/** What starts a run: the event's name and payload, the ref and commit it runs on. */
export interface RunEvent {
  name: string;
  payload: Record<string, Value>;
  ref: string;
  sha: string;
  actor?: string;
  /** workflow_dispatch / workflow_call inputs. */
  inputs?: Record<string, Value>;
}

export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface StepRun {
  id: string;
  uses?: string;
  outcome: Result;
  conclusion: Result;
  outputs: Record<string, string>;
  log: string;
}

export interface JobRun {
  id: string;
  result: Result;
  outputs: Record<string, string>;
  /** One entry per matrix combination (one for a job without a matrix). */
  instances: { matrix: Record<string, Value>; result: Result; steps: StepRun[] }[];
  environment?: string;
  concurrency?: { group: string; cancelInProgress: boolean };
}

export interface WorkflowRun {
  id: number;
  workflow: string;
  file: string;
  event: RunEvent;
  conclusion: Result;
  concurrency?: { group: string; cancelInProgress: boolean };
  jobs: Record<string, JobRun>;
  /** workflow_call outputs. */
  outputs: Record<string, string>;
  summary: string;
}

/** What an approval gate sees, and its answer. */
export interface ApprovalRequest {
  workflow: string;
  job: string;
  environment: string;
  event: string;
  ref: string;
}

export interface EnvironmentSettings {
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
}

/** A step's `uses:` that the runner does not take from deploy-kit's bundles (checkout, cache, …). */
export type ActionStandIn = (call: StandInCall) => Promise<StandInResult> | StandInResult;

export interface StandInCall {
  uses: string;
  with: Record<string, string>;
  workspace: string;
  env: Record<string, string>;
  run: WorkflowRun;
  runner: RunnerState;
}

export interface StandInResult {
  outputs?: Record<string, string>;
  failed?: string;
}

/** What the stand-ins keep between steps and runs. */
export interface RunnerState {
  /** The repository actions/checkout clones (a local git repository the test prepares). */
  origin: string;
  /** Actions cache: key -> directory holding the saved paths. */
  cacheDir: string;
  /** Per run: name -> directory. */
  artifactsDir: string;
  /** SARIF uploads seen (code scanning). */
  sarif: { category: string; content: string }[];
}

export interface RunnerOptions {
  /** Folder holding the workflow files (workflows-examples/, a repository's .github/workflows). */
  workflowsDir: string;
  /** owner/name the runs belong to. */
  repository: string;
  /** Local git repository actions/checkout clones. */
  origin: string;
  /** The GitHub API stand-in: `gh workflow run` and the actions' API calls go there. */
  github?: GitHubStandIn;
  token?: string;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  environments?: Record<string, EnvironmentSettings>;
  /** The required-reviewers gate: approve (true) or reject (false). Default: approve. */
  approve?: (request: ApprovalRequest) => boolean;
  /** `uses:` prefix that means this repository's committed bundles (default org/deploy-kit). */
  deployKit?: string;
  /** Extra stand-ins by `owner/name[/path]` (no @ref); they win over the built-in ones. */
  standIns?: Record<string, ActionStandIn>;
  /** Workflow files disabled (Actions -> Disable workflow): no event starts them. */
  disabled?: string[];
  /** Extra commands on every step's PATH, name -> executable script text (e.g. a `pip` that installs nothing). */
  commands?: Record<string, string>;
  /** Extra environment for every step's process (DOCKER_HOST, …). */
  env?: Record<string, string>;
  /** A step's time limit (default 10 minutes). */
  stepTimeoutMs?: number;
  log?: (line: string) => void;
}
