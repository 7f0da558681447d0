// Run operations. The types mirror graph/schema/pipeline.graphqls and domain.graphqls.

export type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';
export type StepStatus = 'PENDING' | 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

/** RunProgress is one event of `runProgress` (and `Run.progress`, the last one). */
export interface RunProgress {
  runId: string;
  step: string;
  fraction: number;
  message: string;
  status: RunStatus;
  at: string;
}

export interface RunStep {
  name: string;
  status: StepStatus;
  attempts: number;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RunSummary {
  id: string;
  status: RunStatus;
  priority: string;
  createdAt: string;
  finishedAt: string | null;
  volume: { id: string };
  progress: RunProgress | null;
}

export interface RunDetail extends RunSummary {
  steps: RunStep[];
  /** Absent when asked without metrics. */
  metrics?: { name: string; value: number; unit: string; ci95Low: number | null; ci95High: number | null }[];
  qcFlags: { code: string; severity: string; message: string }[];
}

const PROGRESS = /* GraphQL */ `fragment RunProgressFields on RunProgress { runId step fraction message status at }`;
const SUMMARY_DOC = /* GraphQL */ `fragment RunSummaryFields on Run { id status priority createdAt finishedAt volume { id } progress { ...RunProgressFields } }`;
const SUMMARY = SUMMARY_DOC + PROGRESS;

const RUNS_QUERY_DOC = /* GraphQL */ `query Runs($first: Int) { runs(first: $first) { totalCount edges { node { ...RunSummaryFields } } } }`;
export const RUNS_QUERY = RUNS_QUERY_DOC + SUMMARY;
export interface RunsQueryResult {
  runs: { totalCount: number; edges: { node: RunSummary }[] };
}

// Labelers may not read metrics: they ask with withMetrics false.
const RUN_QUERY_DOC = /* GraphQL */ `query Run($id: ID!, $withMetrics: Boolean! = true) { run(id: $id) { ...RunSummaryFields
  steps { name status attempts error startedAt finishedAt }
  metrics @include(if: $withMetrics) { name value unit ci95Low ci95High }
  qcFlags { code severity message } } }`;
export const RUN_QUERY = RUN_QUERY_DOC + SUMMARY;
export interface RunQueryResult {
  run: RunDetail | null;
}

const RUNS_CHANGED_DOC = /* GraphQL */ `subscription RunsChanged { runsChanged { ...RunSummaryFields } }`;
export const RUNS_CHANGED = RUNS_CHANGED_DOC + SUMMARY;
export interface RunsChangedResult {
  runsChanged: RunSummary;
}

const RUN_PROGRESS_DOC = /* GraphQL */ `subscription RunProgress($runId: ID!) { runProgress(runId: $runId) { ...RunProgressFields } }`;
export const RUN_PROGRESS = RUN_PROGRESS_DOC + PROGRESS;
export interface RunProgressResult {
  runProgress: RunProgress;
}

const START_RUN_DOC = /* GraphQL */ `mutation StartRun($input: StartRunInput!) { startRun(input: $input) { ...RunSummaryFields } }`;
export const START_RUN = START_RUN_DOC + SUMMARY;
export interface StartRunResult {
  startRun: RunSummary;
}

const CANCEL_RUN_DOC = /* GraphQL */ `mutation CancelRun($id: ID!) { cancelRun(id: $id) { ...RunSummaryFields } }`;
export const CANCEL_RUN = CANCEL_RUN_DOC + SUMMARY;
const RETRY_RUN_DOC = /* GraphQL */ `mutation RetryRun($id: ID!) { retryRun(id: $id) { ...RunSummaryFields } }`;
export const RETRY_RUN = RETRY_RUN_DOC + SUMMARY;

/** isFinal reports whether a run has reached a state it will not leave by itself. */
export function isFinal(s: RunStatus): boolean {
  return s === 'SUCCEEDED' || s === 'FAILED' || s === 'CANCELED';
}
