// The model registry: models and their versions (cards, gates, evaluations), the production
// history of a task and modality, a version's shadow and drift reports, and promotion.
import type { ModelRegistryQuery, ModelsQuery, ProductionHistoryQuery, ShadowReportQuery, DriftReportQuery } from '../generated';

/** The plain list: what every reader of the registry sees even before the registry's reports. */
export const MODELS_QUERY = /* GraphQL */ `query Models {
  models { id name task modality description project versions { id version stage weightsSha256 createdAt card } }
}`;

const ESTIMATE = /* GraphQL */ `fragment EstimateFields on Estimate { value low high }`;
const GATE = /* GraphQL */ `fragment GateFields on GateResult { gate passed detail }`;

/** The registry's view of each version: gates, evaluations with their scores, the canary share. */
const MODEL_REGISTRY_DOC = /* GraphQL */ `query ModelRegistry {
  models {
    id
    versions {
      id
      canaryPercent
      registeredBy { id displayName }
      gates { ...GateFields }
      evaluations {
        id status progress message msPerMpx createdAt finishedAt
        dataset { id name }
        scores { modality images sensitivity { ...EstimateFields } fdr { ...EstimateFields } dice { ...EstimateFields } }
      }
    }
  }
  gatePolicies { task modality minDice maxDiceDrop maxMsPerMpx }
}`;
export const MODEL_REGISTRY_QUERY = MODEL_REGISTRY_DOC + GATE + ESTIMATE;

const STAGE_CHANGE = /* GraphQL */ `fragment StageChangeFields on StageChange {
  from to canaryPercent reason override at actor { id displayName } gates { ...GateFields }
}`;

export const PRODUCTION_HISTORY_DOC = /* GraphQL */ `query ProductionHistory($task: String!, $modality: String!) {
  productionHistory(task: $task, modality: $modality) {
    modelVersion { id version model { id name } }
    stage canaryPercent from to
    began { ...StageChangeFields }
    ended { ...StageChangeFields }
  }
}`;
export const PRODUCTION_HISTORY_QUERY = PRODUCTION_HISTORY_DOC + STAGE_CHANGE + GATE;

const SHADOW_REPORT_DOC = /* GraphQL */ `query ShadowReport($id: ID!) {
  shadowReport(versionId: $id) { runs meanDice { ...EstimateFields } meanCountDifference diceHistogram }
}`;
export const SHADOW_REPORT_QUERY = SHADOW_REPORT_DOC + ESTIMATE;

const DRIFT_FEATURE = /* GraphQL */ `fragment DriftFeatureFields on DriftFeature { feature kind ks pValue psi drifted referenceMean windowMean }`;
const DRIFT_REPORT_DOC = /* GraphQL */ `query DriftReport($id: ID!) {
  drift(versionId: $id) {
    windowSize runs drifted alpha psiLimit
    features { ...DriftFeatureFields }
    history { at runs drifted features { ...DriftFeatureFields } }
  }
}`;
export const DRIFT_REPORT_QUERY = DRIFT_REPORT_DOC + DRIFT_FEATURE;

export const PROMOTE_MODEL_VERSION_MUTATION = /* GraphQL */ `mutation PromoteModelVersion($id: ID!, $stage: ModelStage!, $reason: String!, $canaryPercent: Int, $override: Boolean) {
  promoteModelVersion(id: $id, stage: $stage, reason: $reason, canaryPercent: $canaryPercent, override: $override) { id stage canaryPercent }
}`;

export const ROLLBACK_MODEL_MUTATION = /* GraphQL */ `mutation RollbackModel($task: String!, $modality: String!, $reason: String!) {
  rollbackModel(task: $task, modality: $modality, reason: $reason) { id version stage }
}`;

export type RegistryModel = ModelsQuery['models'][number];
export type RegistryVersion = RegistryModel['versions'][number];
export type VersionReport = ModelRegistryQuery['models'][number]['versions'][number];
export type GatePolicyRow = ModelRegistryQuery['gatePolicies'][number];
export type EvaluationRow = VersionReport['evaluations'][number];
export type ScoresRow = EvaluationRow['scores'][number];
export type ProductionIntervalRow = ProductionHistoryQuery['productionHistory'][number];
export type ShadowReportData = ShadowReportQuery['shadowReport'];
export type DriftReportData = DriftReportQuery['drift'];
export type DriftPointRow = DriftReportData['history'][number];
