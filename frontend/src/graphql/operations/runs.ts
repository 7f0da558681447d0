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
  metrics: { name: string; value: number; unit: string; ci95Low: number | null; ci95High: number | null }[];
  qcFlags: { code: string; severity: string; message: string }[];
}

const PROGRESS = 'runId step fraction message status at';
const SUMMARY = `id status priority createdAt finishedAt volume { id } progress { ${PROGRESS} }`;

export const RUNS_QUERY = `query Runs($first: Int) { runs(first: $first) { totalCount edges { node { ${SUMMARY} } } } }`;
export interface RunsQueryResult {
  runs: { totalCount: number; edges: { node: RunSummary }[] };
}

export const RUN_QUERY = `query Run($id: ID!) { run(id: $id) { ${SUMMARY}
  steps { name status attempts error startedAt finishedAt }
  metrics { name value unit ci95Low ci95High }
  qcFlags { code severity message } } }`;
export interface RunQueryResult {
  run: RunDetail | null;
}

export const RUNS_CHANGED = `subscription RunsChanged { runsChanged { ${SUMMARY} } }`;
export interface RunsChangedResult {
  runsChanged: RunSummary;
}

export const RUN_PROGRESS = `subscription RunProgress($runId: ID!) { runProgress(runId: $runId) { ${PROGRESS} } }`;
export interface RunProgressResult {
  runProgress: RunProgress;
}

export const START_RUN = `mutation StartRun($input: StartRunInput!) { startRun(input: $input) { ${SUMMARY} } }`;
export interface StartRunResult {
  startRun: RunSummary;
}

export const CANCEL_RUN = `mutation CancelRun($id: ID!) { cancelRun(id: $id) { ${SUMMARY} } }`;
export const RETRY_RUN = `mutation RetryRun($id: ID!) { retryRun(id: $id) { ${SUMMARY} } }`;

/** isFinal reports whether a run has reached a state it will not leave by itself. */
export function isFinal(s: RunStatus): boolean {
  return s === 'SUCCEEDED' || s === 'FAILED' || s === 'CANCELED';
}
