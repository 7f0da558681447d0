/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type AuditFilter = {
  action?: string | null | undefined;
  actor?: string | null | undefined;
  from?: string | null | undefined;
  object?: string | null | undefined;
  /** ok, denied or failed. */
  outcome?: string | null | undefined;
  to?: string | null | undefined;
};

export type CaseFilter = {
  acquiredFrom?: string | null | undefined;
  acquiredTo?: string | null | undefined;
  eye?: Eye | null | undefined;
  subjectCode?: string | null | undefined;
  /** Subject codes starting with this, ignoring case. */
  subjectPrefix?: string | null | undefined;
  /** Cases with a tag starting with this, ignoring case. */
  tagPrefix?: string | null | undefined;
  /** Cases carrying every one of these tags (a cohort). */
  tags?: Array<string> | null | undefined;
};

export type CaseOrder = {
  direction?: SortDirection;
  field: CaseOrderField;
};

export type CaseOrderField =
  | 'ACQUIRED_ON'
  | 'CREATED_AT'
  | 'ECCENTRICITY';

export type CreateCaseInput = {
  acquiredOn?: string | null | undefined;
  device?: string | null | undefined;
  eccentricityDeg?: number | null | undefined;
  eye: Eye;
  meridian?: string | null | undefined;
  notes?: string | null | undefined;
  subjectCode: string;
  tags?: Array<string> | null | undefined;
};

export type DeviceCalibrationInput = {
  /** The eye's axial length from biometry, 15–40 mm. */
  axialLengthMm: number;
  /** The scan's field of view along one image axis, in degrees. */
  fieldOfViewDeg: number;
  /** How many pixels that field of view spans. */
  fieldOfViewPx: number;
};

export type EvaluationStatus =
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type Eye =
  /** right eye */
  | 'OD'
  /** left eye */
  | 'OS';

export type LayerPointInput = {
  x: number;
  z: number;
};

export type MetricTableFilter = {
  caseId?: string | null | undefined;
  /** Only cases carrying this tag. */
  cohortTag?: string | null | undefined;
  /** Runs created on or after this time. */
  from?: string | null | undefined;
  /** One row per run, superseded runs too; by default one row per volume (its current run). */
  includeSuperseded?: boolean | null | undefined;
  /** Only runs whose cones this model version found (run, canary or deployed): metrics per model version. */
  modelVersionId?: string | null | undefined;
  /** Runs created before this time. */
  to?: string | null | undefined;
};

/** A stage a model version can be promoted to. */
export type ModelStage =
  | 'ARCHIVED'
  | 'CANARY'
  | 'CANDIDATE'
  | 'PRODUCTION'
  | 'SHADOW';

/** Where a volume's pixel size came from. Nothing is guessed: with NONE no µm or mm² metric is produced. */
export type PixelSizeSource =
  /** A device calibration: the scan's field of view and the eye's axial length (Bennett, Rudnicka & Edgar 1994). */
  | 'DEVICE'
  /** The file's physical metadata: DICOM Pixel Spacing, or a TIFF resolution in cm or inches that is not the 72/96-dpi default. */
  | 'FILE'
  /** Unknown. */
  | 'NONE'
  /** Stated with the upload, or set by a technician (setVolumeCalibration umPerPx). */
  | 'UPLOADER';

export type PointInput = {
  x: number;
  y: number;
};

export type QcSeverity =
  | 'error'
  | 'warning';

/** The retinal boundaries the layers step segments, inner to outer. */
export type RetinalLayer =
  /** Cone outer-segment tips. */
  | 'COST'
  /** External limiting membrane. */
  | 'ELM'
  /** Inner limiting membrane. */
  | 'ILM'
  /** Inner plexiform / inner nuclear layer. */
  | 'IPL_INL'
  /** Inner/outer-segment junction (ellipsoid zone). */
  | 'ISOS'
  /** Nerve-fibre layer / ganglion-cell layer. */
  | 'NFL_GCL'
  /** Outer plexiform / outer nuclear layer. */
  | 'OPL_ONL'
  /** Retinal pigment epithelium / Bruch's membrane. */
  | 'RPE_BM';

export type ReviewRegionInput = {
  /** What to change there; may be empty when the review's comment covers it. */
  comment: string;
  /** The region's outline, 3 to 256 points in image pixels (a rectangle is 4). */
  points: Array<PointInput>;
};

export type RoleGrantInput = {
  email: string;
  /** A project, or * for every project. */
  project: string;
  role: string;
};

export type RolePermissionInput = {
  action: string;
  object: string;
};

export type RunPriority =
  | 'batch'
  /** Ahead of batch work: a person is waiting. */
  | 'interactive';

export type RunStatus =
  | 'CANCELED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type SaveLabelInput = {
  /** The version the edit started from (0 for a new label). A different current version is a CONFLICT: nothing is overwritten. */
  baseVersion: number;
  /** The document, JSON. */
  document: string;
  /** cones, vessels, nerve_fibres or roi. */
  kind: string;
  volumeId: string;
};

export type SaveLayerBoundaryInput = {
  /** The layers label's version the edit started from (0 for none). A different current version is a CONFLICT: nothing is overwritten. */
  baseVersion: number;
  bscan: number;
  layer: RetinalLayer;
  /** 2 to 512 control points, x strictly increasing, inside the B-scan; none removes the correction. */
  points: Array<LayerPointInput>;
  volumeId: string;
};

/** Exactly one of umPerPx and device. */
export type SetVolumeCalibrationInput = {
  device?: DeviceCalibrationInput | null | undefined;
  /** The pixel size in µm per pixel (above 0, at most 1000). */
  umPerPx?: number | null | undefined;
  volumeId: string;
};

/** A volume axis: Z cuts en-face frames, Y cuts B-scans (x by depth), X cuts y by depth. */
export type SliceAxis =
  | 'X'
  | 'Y'
  | 'Z';

export type SortDirection =
  | 'ASC'
  | 'DESC';

export type StartRunInput = {
  /** The model version to segment with; the deployed one when left out. */
  modelVersionId?: string | null | undefined;
  /** Pipeline parameters, a JSON object: umPerPx, eccentricityDeg, modality (confocal | split-detector), seed. */
  params?: string | null | undefined;
  /** interactive (default) or batch. */
  priority?: RunPriority | null | undefined;
  volumeId: string;
};

export type StepStatus =
  | 'CANCELED'
  | 'FAILED'
  | 'PENDING'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type UpdateCaseInput = {
  acquiredOn?: string | null | undefined;
  /** Sets the acquisition date to unknown. */
  clearAcquiredOn?: boolean | null | undefined;
  /** Sets the eccentricity to unknown. */
  clearEccentricity?: boolean | null | undefined;
  eccentricityDeg?: number | null | undefined;
  eye?: Eye | null | undefined;
  subjectCode?: string | null | undefined;
  /** Replaces the tags. */
  tags?: Array<string> | null | undefined;
};

export type UploadVolumeInput = {
  caseId: string;
  modality?: string | null | undefined;
  /** For raw volumes: the JSON sidecar (dims, dtype, spacingUm). */
  sidecar?: string | null | undefined;
  /** Overrides the in-plane spacing read from the file. */
  umPerPx?: number | null | undefined;
  /** States the volume's kind. A file that says otherwise (an OCT DICOM stated FRAME_STACK) is REJECTED with KIND_CONFLICT; frames of a file that says nothing (TIFF pages, DICOM frames, raw slices) stated OCT_VOLUME are B-scans. */
  volumeKind?: VolumeKind | null | undefined;
};

/** What a volume's z axis is. Read from the file (a Heidelberg .vol, a DICOM SOP class), or stated by a raw volume's sidecar or the uploader; a file that says nothing and an upload that states nothing give FRAME_STACK with the source DEFAULT. Never guessed silently. */
export type VolumeKind =
  /** AOSLO video and other en-face stacks: z is time (frames are registered and averaged). */
  | 'FRAME_STACK'
  /** An OCT volume: dims.x A-scans per B-scan, dims.y B-scans, dims.z depth samples; B-scan b is the slice at axis Y, index b. */
  | 'OCT_VOLUME';

export type VolumeStatus =
  | 'READY'
  | 'RECEIVED'
  | 'REJECTED';

/** What a work-queue item asks: LABEL a volume, fix a RETURNED label, or REVIEW a submitted one. */
export type WorkKind =
  | 'LABEL'
  | 'RETURNED'
  | 'REVIEW';

export type AccessQueryVariables = Exact<{
  project: string;
}>;


export type AccessQuery = { roles: Array<{ name: string, permissions: Array<{ object: string, action: string }> }>, permissions: Array<{ object: string, action: string, root: boolean, sensitive: boolean, public: boolean }>, members: Array<{ subject: string, role: string, project: string, user: { id: string, email: string | null, displayName: string } | null }> };

export type GrantRoleMutationVariables = Exact<{
  input: RoleGrantInput;
}>;


export type GrantRoleMutation = { grantRole: { role: string, project: string } };

export type RevokeRoleMutationVariables = Exact<{
  input: RoleGrantInput;
}>;


export type RevokeRoleMutation = { revokeRole: boolean };

export type SetRolePermissionsMutationVariables = Exact<{
  role: string;
  permissions: Array<RolePermissionInput> | RolePermissionInput;
}>;


export type SetRolePermissionsMutation = { setRolePermissions: { name: string, permissions: Array<{ object: string, action: string }> } };

export type AuditLogQueryVariables = Exact<{
  filter?: AuditFilter | null | undefined;
  first?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type AuditLogQuery = { auditLog: Array<{ id: string, at: string, actor: string, actorEmail: string | null, action: string, object: string, target: string | null, reason: string | null, outcome: string, requestId: string | null, clientAddr: string | null, hash: string }> };

export type CasesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: CaseFilter | null | undefined;
  orderBy?: CaseOrder | null | undefined;
}>;


export type CasesQuery = { cases: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, eye: Eye, eccentricityDeg: number | null, meridian: string | null, acquiredOn: string | null, device: string | null, tags: Array<string>, createdAt: string, subject: { code: string }, volumes: Array<{ id: string }>, latestRun: { id: string, status: RunStatus } | null } }> } };

export type VolumeFieldsFragment = { id: string, filename: string, modality: string, umPerPx: number | null, pixelSizeSource: PixelSizeSource, dataType: string, sizeBytes: number, sourceFormat: string, status: VolumeStatus, errorCode: string | null, error: string | null, createdAt: string, dims: { z: number, y: number, x: number }, spacingUm: { x: number | null, y: number | null, z: number | null }, deviceCalibration: { axialLengthMm: number, fieldOfViewDeg: number, fieldOfViewPx: number } | null, latestRun: { id: string, status: RunStatus } | null };

export type CaseQueryVariables = Exact<{
  id: string;
}>;


export type CaseQuery = { case: { id: string, eye: Eye, eccentricityDeg: number | null, meridian: string | null, acquiredOn: string | null, device: string | null, notes: string, tags: Array<string>, createdAt: string, updatedAt: string, subject: { code: string }, volumes: Array<{ id: string, filename: string, modality: string, umPerPx: number | null, pixelSizeSource: PixelSizeSource, dataType: string, sizeBytes: number, sourceFormat: string, status: VolumeStatus, errorCode: string | null, error: string | null, createdAt: string, dims: { z: number, y: number, x: number }, spacingUm: { x: number | null, y: number | null, z: number | null }, deviceCalibration: { axialLengthMm: number, fieldOfViewDeg: number, fieldOfViewPx: number } | null, latestRun: { id: string, status: RunStatus } | null }> } | null };

export type CreateCaseMutationVariables = Exact<{
  input: CreateCaseInput;
}>;


export type CreateCaseMutation = { createCase: { case: { id: string, eye: Eye, subject: { code: string } } } };

export type UploadVolumeMutationVariables = Exact<{
  file: File;
  input: UploadVolumeInput;
}>;


export type UploadVolumeMutation = { uploadVolume: { duplicate: boolean, volume: { id: string, filename: string, modality: string, umPerPx: number | null, pixelSizeSource: PixelSizeSource, dataType: string, sizeBytes: number, sourceFormat: string, status: VolumeStatus, errorCode: string | null, error: string | null, createdAt: string, dims: { z: number, y: number, x: number }, spacingUm: { x: number | null, y: number | null, z: number | null }, deviceCalibration: { axialLengthMm: number, fieldOfViewDeg: number, fieldOfViewPx: number } | null, latestRun: { id: string, status: RunStatus } | null } } };

export type StartVolumeRunMutationVariables = Exact<{
  input: StartRunInput;
}>;


export type StartVolumeRunMutation = { startRun: { id: string, status: RunStatus } };

export type SetVolumeCalibrationMutationVariables = Exact<{
  input: SetVolumeCalibrationInput;
}>;


export type SetVolumeCalibrationMutation = { setVolumeCalibration: { volume: { id: string, filename: string, modality: string, umPerPx: number | null, pixelSizeSource: PixelSizeSource, dataType: string, sizeBytes: number, sourceFormat: string, status: VolumeStatus, errorCode: string | null, error: string | null, createdAt: string, dims: { z: number, y: number, x: number }, spacingUm: { x: number | null, y: number | null, z: number | null }, deviceCalibration: { axialLengthMm: number, fieldOfViewDeg: number, fieldOfViewPx: number } | null, latestRun: { id: string, status: RunStatus } | null }, run: { id: string, status: RunStatus } | null } };

export type ArchiveVolumeMutationVariables = Exact<{
  id: string;
  reason: string;
}>;


export type ArchiveVolumeMutation = { archiveVolume: { id: string, archivedAt: string | null } };

export type ArchiveCaseMutationVariables = Exact<{
  id: string;
  reason: string;
}>;


export type ArchiveCaseMutation = { archiveCase: { id: string, archivedAt: string | null } };

export type UpdateCaseMutationVariables = Exact<{
  id: string;
  input: UpdateCaseInput;
}>;


export type UpdateCaseMutation = { updateCase: { id: string, eye: Eye, eccentricityDeg: number | null, acquiredOn: string | null, tags: Array<string>, subject: { code: string } } };

export type HealthFieldsFragment = { postgres: boolean, redis: boolean, objectStorage: boolean, checkedAt: string, services: Array<{ name: string, ok: boolean, latencyMs: number, error: string | null }> };

export type HealthQueryVariables = Exact<{ [key: string]: never; }>;


export type HealthQuery = { health: { postgres: boolean, redis: boolean, objectStorage: boolean, checkedAt: string, services: Array<{ name: string, ok: boolean, latencyMs: number, error: string | null }> } };

export type HealthChangedSubscriptionVariables = Exact<{
  everyMs?: number | null | undefined;
}>;


export type HealthChangedSubscription = { healthChanged: { postgres: boolean, redis: boolean, objectStorage: boolean, checkedAt: string, services: Array<{ name: string, ok: boolean, latencyMs: number, error: string | null }> } };

export type ScannerCreateCaseMutationVariables = Exact<{
  input: CreateCaseInput;
}>;


export type ScannerCreateCaseMutation = { createCase: { case: { id: string, eye: Eye, createdAt: string } } };

export type ScannerUploadVolumeMutationVariables = Exact<{
  file: File;
  input: UploadVolumeInput;
}>;


export type ScannerUploadVolumeMutation = { uploadVolume: { duplicate: boolean, volume: { id: string, status: VolumeStatus, sizeBytes: number, errorCode: string | null, error: string | null } } };

export type LabelFieldsFragment = { id: string, kind: string, version: number, state: string, document: string, history: Array<{ version: number, action: string, author: string, comment: string, changes: string, at: string, regions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> }>, openRegions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> };

export type VolumeWorkspaceQueryVariables = Exact<{
  id: string;
}>;


export type VolumeWorkspaceQuery = { volume: { id: string, umPerPx: number | null, pixelSizeSource: PixelSizeSource, assignedAt: string | null, dims: { z: number, y: number, x: number }, spacingUm: { x: number | null, y: number | null }, case: { id: string, eye: Eye, subject: { code: string } }, latestRun: { id: string, status: RunStatus, modelPoints: string | null, masks: Array<{ kind: string, downloadUrl: string | null }>, fibreOrientation: { cellPx: number, cols: number, rows: number, angleDeg: Array<number>, coherence: Array<number> } | null, uncertainty: { cellPx: number, cols: number, rows: number, values: Array<number> } | null } | null, labels: Array<{ id: string, kind: string, version: number, state: string, document: string, history: Array<{ version: number, action: string, author: string, comment: string, changes: string, at: string, regions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> }>, openRegions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> }>, assignee: { id: string, displayName: string } | null } | null };

export type SaveLabelMutationVariables = Exact<{
  input: SaveLabelInput;
}>;


export type SaveLabelMutation = { saveLabel: { id: string, kind: string, version: number, state: string, document: string, history: Array<{ version: number, action: string, author: string, comment: string, changes: string, at: string, regions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> }>, openRegions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> } };

export type SubmitLabelMutationVariables = Exact<{
  id: string;
  version: number;
}>;


export type SubmitLabelMutation = { submitLabel: { id: string, kind: string, version: number, state: string, document: string, history: Array<{ version: number, action: string, author: string, comment: string, changes: string, at: string, regions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> }>, openRegions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> } };

export type ReviewLabelMutationVariables = Exact<{
  id: string;
  version: number;
  approve: boolean;
  comment?: string | null | undefined;
  regions?: Array<ReviewRegionInput> | ReviewRegionInput | null | undefined;
}>;


export type ReviewLabelMutation = { reviewLabel: { id: string, kind: string, version: number, state: string, document: string, history: Array<{ version: number, action: string, author: string, comment: string, changes: string, at: string, regions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> }>, openRegions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> } };

export type LabelQueryVariables = Exact<{
  id: string;
}>;


export type LabelQuery = { label: { id: string, kind: string, version: number, state: string, document: string, history: Array<{ version: number, action: string, author: string, comment: string, changes: string, at: string, regions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> }>, openRegions: Array<{ comment: string, points: Array<{ x: number, y: number }> }> } | null };

export type RunResultsQueryVariables = Exact<{
  id: string;
}>;


export type RunResultsQuery = { run: { metrics: Array<{ name: string, value: number, unit: string, ci95Low: number | null, ci95High: number | null, region: string }>, qcFlags: Array<{ code: string, severity: QcSeverity, message: string }> } | null };

export type RunFlagsQueryVariables = Exact<{
  id: string;
}>;


export type RunFlagsQuery = { run: { qcFlags: Array<{ code: string, severity: QcSeverity, message: string }> } | null };

export type VolumeSliceQueryVariables = Exact<{
  id: string;
  axis: SliceAxis;
  index: number;
}>;


export type VolumeSliceQuery = { volume: { slice: { axis: SliceAxis, index: number, count: number, width: number, height: number, umPerPxX: number | null, umPerPxY: number | null, png: string } | null } | null };

export type BScanQueryVariables = Exact<{
  volume: string;
  run: string;
  bscan: number;
}>;


export type BScanQuery = { volume: { slice: { index: number, count: number, width: number, height: number, umPerPxX: number | null, umPerPxY: number | null, png: string } | null, layerCorrections: Array<{ layer: RetinalLayer, points: Array<{ x: number, z: number }> }>, labels: Array<{ id: string, kind: string, version: number, state: string }> } | null, run: { layers: Array<{ layer: RetinalLayer, z: Array<number | null> }> | null } | null };

export type OctRunQueryVariables = Exact<{
  run: string;
}>;


export type OctRunQuery = { run: { id: string, thicknessLayers: Array<string>, slabs: Array<{ name: string, top: string | null, bottom: string | null, topOffsetPx: number | null, bottomOffsetPx: number | null, projection: string | null, image: { kind: string, contentType: string, downloadUrl: string | null } | null }>, volume: { spacingUm: { z: number | null } } } | null };

export type ThicknessQueryVariables = Exact<{
  run: string;
  layer: string;
}>;


export type ThicknessQuery = { run: { thicknessMap: { layer: string, unit: string, grid: { cellPx: number, cols: number, rows: number, values: Array<number> } } | null } | null };

export type SaveLayerBoundaryMutationVariables = Exact<{
  input: SaveLayerBoundaryInput;
}>;


export type SaveLayerBoundaryMutation = { saveLayerBoundary: { id: string, kind: string, version: number, state: string, history: Array<{ version: number, changes: string }> } };

export type ModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelsQuery = { models: Array<{ id: string, name: string, task: string, modality: string, description: string, project: string | null, versions: Array<{ id: string, version: string, stage: string, weightsSha256: string, createdAt: string, card: string }> }> };

export type EstimateFieldsFragment = { value: number, low: number, high: number };

export type GateFieldsFragment = { gate: string, passed: boolean, detail: string };

export type ModelRegistryQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelRegistryQuery = { models: Array<{ id: string, versions: Array<{ id: string, canaryPercent: number | null, registeredBy: { id: string, displayName: string } | null, gates: Array<{ gate: string, passed: boolean, detail: string }>, evaluations: Array<{ id: string, status: EvaluationStatus, progress: number, message: string, msPerMpx: number | null, createdAt: string, finishedAt: string | null, dataset: { id: string, name: string }, scores: Array<{ modality: string, images: number, sensitivity: { value: number, low: number, high: number }, fdr: { value: number, low: number, high: number }, dice: { value: number, low: number, high: number } }> }> }> }>, gatePolicies: Array<{ task: string, modality: string, minDice: number, maxDiceDrop: number, maxMsPerMpx: number }> };

export type StageChangeFieldsFragment = { from: string, to: string, canaryPercent: number | null, reason: string, override: boolean, at: string, actor: { id: string, displayName: string } | null, gates: Array<{ gate: string, passed: boolean, detail: string }> };

export type ProductionHistoryQueryVariables = Exact<{
  task: string;
  modality: string;
}>;


export type ProductionHistoryQuery = { productionHistory: Array<{ stage: string, canaryPercent: number | null, from: string, to: string | null, modelVersion: { id: string, version: string, model: { id: string, name: string } }, began: { from: string, to: string, canaryPercent: number | null, reason: string, override: boolean, at: string, actor: { id: string, displayName: string } | null, gates: Array<{ gate: string, passed: boolean, detail: string }> }, ended: { from: string, to: string, canaryPercent: number | null, reason: string, override: boolean, at: string, actor: { id: string, displayName: string } | null, gates: Array<{ gate: string, passed: boolean, detail: string }> } | null }> };

export type ShadowReportQueryVariables = Exact<{
  id: string;
}>;


export type ShadowReportQuery = { shadowReport: { runs: number, meanCountDifference: number | null, diceHistogram: Array<number>, meanDice: { value: number, low: number, high: number } | null } };

export type DriftFeatureFieldsFragment = { feature: string, kind: string, ks: number, pValue: number, psi: number, drifted: boolean, referenceMean: number, windowMean: number };

export type DriftReportQueryVariables = Exact<{
  id: string;
}>;


export type DriftReportQuery = { drift: { windowSize: number, runs: number, drifted: boolean, alpha: number, psiLimit: number, features: Array<{ feature: string, kind: string, ks: number, pValue: number, psi: number, drifted: boolean, referenceMean: number, windowMean: number }>, history: Array<{ at: string, runs: number, drifted: boolean, features: Array<{ feature: string, kind: string, ks: number, pValue: number, psi: number, drifted: boolean, referenceMean: number, windowMean: number }> }> } };

export type PromoteModelVersionMutationVariables = Exact<{
  id: string;
  stage: ModelStage;
  reason: string;
  canaryPercent?: number | null | undefined;
  override?: boolean | null | undefined;
}>;


export type PromoteModelVersionMutation = { promoteModelVersion: { id: string, stage: string, canaryPercent: number | null } };

export type RollbackModelMutationVariables = Exact<{
  task: string;
  modality: string;
  reason: string;
}>;


export type RollbackModelMutation = { rollbackModel: { id: string, version: string, stage: string } };

export type QueueDepthQueryVariables = Exact<{ [key: string]: never; }>;


export type QueueDepthQuery = { queues: Array<{ name: string, pending: number, active: number }> };

export type HistogramFieldsFragment = { unit: string, min: number, binWidth: number, counts: Array<number>, total: number, mean: number };

export type RunDistributionsQueryVariables = Exact<{
  id: string;
}>;


export type RunDistributionsQuery = { run: { id: string, cellDistributions: { nnd: { unit: string, min: number, binWidth: number, counts: Array<number>, total: number, mean: number }, icd: { unit: string, min: number, binWidth: number, counts: Array<number>, total: number, mean: number }, area: { unit: string, min: number, binWidth: number, counts: Array<number>, total: number, mean: number } } | null } | null };

export type CohortDensityQueryVariables = Exact<{
  tag?: string | null | undefined;
}>;


export type CohortDensityQuery = { metrics: { totalCount: number, edges: Array<{ node: { id: string, value: number, unit: string, ci95Low: number | null, ci95High: number | null, region: string, run: { id: string, volume: { id: string, case: { id: string, eye: Eye, eccentricityDeg: number | null, subject: { code: string } } } } } }> } };

export type RunProgressFieldsFragment = { runId: string, step: string, fraction: number, message: string, status: RunStatus, at: string };

export type RunSummaryFieldsFragment = { id: string, status: RunStatus, priority: string, createdAt: string, finishedAt: string | null, current: boolean, detector: string, volume: { id: string, filename: string, case: { id: string, eye: Eye, eccentricityDeg: number | null, subject: { code: string } } }, progress: { runId: string, step: string, fraction: number, message: string, status: RunStatus, at: string } | null };

export type RunsQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type RunsQuery = { runs: { totalCount: number, edges: Array<{ node: { id: string, status: RunStatus, priority: string, createdAt: string, finishedAt: string | null, current: boolean, detector: string, volume: { id: string, filename: string, case: { id: string, eye: Eye, eccentricityDeg: number | null, subject: { code: string } } }, progress: { runId: string, step: string, fraction: number, message: string, status: RunStatus, at: string } | null } }> } };

export type RunQueryVariables = Exact<{
  id: string;
  withMetrics?: boolean;
}>;


export type RunQuery = { run: { id: string, status: RunStatus, priority: string, createdAt: string, finishedAt: string | null, current: boolean, detector: string, steps: Array<{ name: string, status: StepStatus, attempts: number, error: string | null, startedAt: string | null, finishedAt: string | null }>, segmentation: { meanUncertainty: number | null, cones: { detector: string, choice: string, device: string | null }, capillaries: { detector: string, choice: string, device: string | null } | null } | null, metrics?: Array<{ name: string, value: number, unit: string, ci95Low: number | null, ci95High: number | null }>, qcFlags: Array<{ code: string, severity: QcSeverity, message: string }>, volume: { id: string, filename: string, case: { id: string, eye: Eye, eccentricityDeg: number | null, subject: { code: string } } }, progress: { runId: string, step: string, fraction: number, message: string, status: RunStatus, at: string } | null } | null };

export type RunsChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type RunsChangedSubscription = { runsChanged: { id: string, status: RunStatus, priority: string, createdAt: string, finishedAt: string | null, current: boolean, detector: string, volume: { id: string, filename: string, case: { id: string, eye: Eye, eccentricityDeg: number | null, subject: { code: string } } }, progress: { runId: string, step: string, fraction: number, message: string, status: RunStatus, at: string } | null } };

export type RunProgressSubscriptionVariables = Exact<{
  runId: string;
}>;


export type RunProgressSubscription = { runProgress: { runId: string, step: string, fraction: number, message: string, status: RunStatus, at: string } };

export type StartRunMutationVariables = Exact<{
  input: StartRunInput;
}>;


export type StartRunMutation = { startRun: { id: string, status: RunStatus, priority: string, createdAt: string, finishedAt: string | null, current: boolean, detector: string, volume: { id: string, filename: string, case: { id: string, eye: Eye, eccentricityDeg: number | null, subject: { code: string } } }, progress: { runId: string, step: string, fraction: number, message: string, status: RunStatus, at: string } | null } };

export type CancelRunMutationVariables = Exact<{
  id: string;
}>;


export type CancelRunMutation = { cancelRun: { id: string, status: RunStatus, priority: string, createdAt: string, finishedAt: string | null, current: boolean, detector: string, volume: { id: string, filename: string, case: { id: string, eye: Eye, eccentricityDeg: number | null, subject: { code: string } } }, progress: { runId: string, step: string, fraction: number, message: string, status: RunStatus, at: string } | null } };

export type RetryRunMutationVariables = Exact<{
  id: string;
}>;


export type RetryRunMutation = { retryRun: { id: string, status: RunStatus, priority: string, createdAt: string, finishedAt: string | null, current: boolean, detector: string, volume: { id: string, filename: string, case: { id: string, eye: Eye, eccentricityDeg: number | null, subject: { code: string } } }, progress: { runId: string, step: string, fraction: number, message: string, status: RunStatus, at: string } | null } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { project: string, roles: Array<string>, method: string, projects: Array<string>, rootFields: Array<string>, user: { id: string, displayName: string } } | null };

export type MetricTableQueryVariables = Exact<{
  first?: number | null | undefined;
  filter?: MetricTableFilter | null | undefined;
}>;


export type MetricTableQuery = { metricTable: { totalCount: number, metricNames: Array<string>, rows: Array<{ subjectCode: string, eye: Eye, eccentricityDeg: number | null, acquiredOn: string | null, tags: Array<string>, filename: string, modality: string, modelVersion: string, run: { id: string, volume: { id: string, case: { id: string } } }, values: Array<{ value: number, unit: string, ci95Low: number | null, ci95High: number | null } | null> }> } };

export type MetricTableCsvQueryVariables = Exact<{
  filter?: MetricTableFilter | null | undefined;
}>;


export type MetricTableCsvQuery = { metricTableCsv: string };

export type MetricCatalogQueryVariables = Exact<{ [key: string]: never; }>;


export type MetricCatalogQuery = { metricCatalog: Array<{ name: string, unit: string, description: string }> };

export type VersionQueryVariables = Exact<{ [key: string]: never; }>;


export type VersionQuery = { version: { version: string, commit: string, goVersion: string } };

export type MyWorkQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type MyWorkQuery = { myWork: { totalCount: number, items: Array<{ kind: WorkKind, since: string, volume: { id: string, createdAt: string, case: { id: string, eye: Eye, subject: { code: string } }, assignee: { id: string, displayName: string } | null }, label: { id: string, version: number, state: string, openRegions: Array<{ comment: string }> } | null }> } };

export type LabelersQueryVariables = Exact<{ [key: string]: never; }>;


export type LabelersQuery = { labelers: Array<{ id: string, displayName: string }> };

export type AssignVolumeMutationVariables = Exact<{
  volumeId: string;
  userId?: string | null | undefined;
}>;


export type AssignVolumeMutation = { assignVolume: { id: string, assignedAt: string | null, assignee: { id: string, displayName: string } | null } };
