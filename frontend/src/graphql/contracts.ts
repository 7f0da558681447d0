// The hand-written result types of the older operations must accept what the server sends:
// each line fails to compile when a generated type (from the schema) stops fitting the
// type the code was written against.
import type * as G from './generated';
import type * as Cases from './operations/cases';
import type * as Health from './operations/health';
import type * as Runs from './operations/runs';
import type * as Version from './operations/version';

type Fits<Declared, Sent extends Declared> = Sent;

export type Contracts = [
  Fits<Cases.CasesQueryResult, G.CasesQuery>,
  Fits<Cases.CaseQueryResult, G.CaseQuery>,
  Fits<Cases.CreateCaseResult, G.CreateCaseMutation>,
  Fits<Cases.UploadVolumeResult, G.UploadVolumeMutation>,
  Fits<Cases.StartVolumeRunResult, G.StartVolumeRunMutation>,
  Fits<Runs.RunsQueryResult, G.RunsQuery>,
  Fits<Runs.RunQueryResult, G.RunQuery>,
  Fits<Runs.RunsChangedResult, G.RunsChangedSubscription>,
  Fits<Runs.RunProgressResult, G.RunProgressSubscription>,
  Fits<Runs.StartRunResult, G.StartRunMutation>,
  Fits<Health.HealthQueryResult, G.HealthQuery>,
  Fits<Health.HealthChangedResult, G.HealthChangedSubscription>,
  Fits<Version.VersionQueryResult, G.VersionQuery>,
];
