// Run operations; their types are generated (src/graphql/generated.ts).
import type { RunProgressFieldsFragment, RunQuery, RunStatus, RunSummaryFieldsFragment } from '../generated';

/** RunProgress is one event of `runProgress` (and `Run.progress`, the last one). */
export type RunProgress = RunProgressFieldsFragment;

/** RunSummary is a run as the list, its live updates and the run mutations send it. */
export type RunSummary = RunSummaryFieldsFragment;

/** RunDetail is one run with its steps, QC flags and (asked with metrics) its metrics. */
export type RunDetail = NonNullable<RunQuery['run']>;

const PROGRESS = /* GraphQL */ `fragment RunProgressFields on RunProgress { runId step fraction message status at }`;
// A run names its case (subject code, eye), its file and what found the cells, so that a
// list of runs reads without ids.
const SUMMARY_DOC = /* GraphQL */ `fragment RunSummaryFields on Run { id status priority createdAt finishedAt current detector
  volume { id filename case { id eye eccentricityDeg subject { code } } } progress { ...RunProgressFields } }`;
const SUMMARY = SUMMARY_DOC + PROGRESS;

const RUNS_QUERY_DOC = /* GraphQL */ `query Runs($first: Int) { runs(first: $first) { totalCount edges { node { ...RunSummaryFields } } } }`;
export const RUNS_QUERY = RUNS_QUERY_DOC + SUMMARY;

// Labelers may not read metrics: they ask with withMetrics false.
const RUN_QUERY_DOC = /* GraphQL */ `query Run($id: ID!, $withMetrics: Boolean! = true) { run(id: $id) { ...RunSummaryFields
  steps { name status attempts error startedAt finishedAt }
  segmentation { meanUncertainty cones { detector choice device } capillaries { detector choice device } }
  metrics @include(if: $withMetrics) { name value unit ci95Low ci95High }
  qcFlags { code severity message } } }`;
export const RUN_QUERY = RUN_QUERY_DOC + SUMMARY;

const RUNS_CHANGED_DOC = /* GraphQL */ `subscription RunsChanged { runsChanged { ...RunSummaryFields } }`;
export const RUNS_CHANGED = RUNS_CHANGED_DOC + SUMMARY;

const RUN_PROGRESS_DOC = /* GraphQL */ `subscription RunProgress($runId: ID!) { runProgress(runId: $runId) { ...RunProgressFields } }`;
export const RUN_PROGRESS = RUN_PROGRESS_DOC + PROGRESS;

const START_RUN_DOC = /* GraphQL */ `mutation StartRun($input: StartRunInput!) { startRun(input: $input) { ...RunSummaryFields } }`;
export const START_RUN = START_RUN_DOC + SUMMARY;

const CANCEL_RUN_DOC = /* GraphQL */ `mutation CancelRun($id: ID!) { cancelRun(id: $id) { ...RunSummaryFields } }`;
export const CANCEL_RUN = CANCEL_RUN_DOC + SUMMARY;
const RETRY_RUN_DOC = /* GraphQL */ `mutation RetryRun($id: ID!) { retryRun(id: $id) { ...RunSummaryFields } }`;
export const RETRY_RUN = RETRY_RUN_DOC + SUMMARY;

/** isFinal reports whether a run has reached a state it will not leave by itself. */
export function isFinal(s: RunStatus): boolean {
  return s === 'SUCCEEDED' || s === 'FAILED' || s === 'CANCELED';
}
