// Case and volume operations. The types mirror graph/schema/domain.graphqls;
// they move to graphql-codegen output with the rest of the operations.
// No operation here asks for Subject.identity: the UI shows only the
// pseudonymous subject code.

export type Eye = 'OD' | 'OS';
export type VolumeStatus = 'RECEIVED' | 'READY' | 'REJECTED';
export type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';
export type CaseOrderField = 'CREATED_AT' | 'ACQUIRED_ON' | 'ECCENTRICITY';
export type SortDirection = 'ASC' | 'DESC';

export interface CaseFilter {
  subjectCode?: string;
  eye?: Eye;
  tags?: string[];
  acquiredFrom?: string;
  acquiredTo?: string;
}

export interface CaseOrder {
  field: CaseOrderField;
  direction: SortDirection;
}

export interface CaseRow {
  id: string;
  subject: { code: string };
  eye: Eye;
  eccentricityDeg: number | null;
  meridian: string | null;
  acquiredOn: string | null;
  device: string | null;
  tags: string[];
  createdAt: string;
  volumeCount: number;
  latestRun: { id: string; status: RunStatus } | null;
}

/** The server's Case in list form; volumes are counted client-side from ids. */
interface CaseRowWire extends Omit<CaseRow, 'volumeCount'> {
  volumes: { id: string }[];
}

export interface CasesQueryResult {
  cases: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: CaseRowWire }[];
  };
}

export interface CasesQueryVariables extends Record<string, unknown> {
  first: number;
  after?: string | null;
  filter?: CaseFilter;
  orderBy?: CaseOrder;
}

export const CASES_QUERY = /* GraphQL */ `query Cases($first: Int, $after: String, $filter: CaseFilter, $orderBy: CaseOrder) {
  cases(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id subject { code } eye eccentricityDeg meridian acquiredOn device tags createdAt
      volumes { id }
      latestRun { id status }
    } }
  }
}`;

export function toCaseRow(n: CaseRowWire): CaseRow {
  const { volumes, ...rest } = n;
  return { ...rest, volumeCount: volumes.length };
}

export interface Volume {
  id: string;
  modality: string;
  dims: { z: number; y: number; x: number };
  spacingUm: { x: number | null; y: number | null; z: number | null };
  dataType: string;
  sizeBytes: string | number;
  sourceFormat: string;
  status: VolumeStatus;
  errorCode: string | null;
  error: string | null;
  createdAt: string;
  latestRun: { id: string; status: RunStatus } | null;
}

export const VOLUME_FIELDS = /* GraphQL */ `fragment VolumeFields on Volume { id modality dims { z y x } spacingUm { x y z } dataType sizeBytes sourceFormat status errorCode error createdAt latestRun { id status } }`;

export interface CaseDetail {
  id: string;
  subject: { code: string };
  eye: Eye;
  eccentricityDeg: number | null;
  meridian: string | null;
  acquiredOn: string | null;
  device: string | null;
  notes: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  volumes: Volume[];
}

const CASE_QUERY_DOC = /* GraphQL */ `query Case($id: ID!) {
  case(id: $id) {
    id subject { code } eye eccentricityDeg meridian acquiredOn device notes tags createdAt updatedAt
    volumes { ...VolumeFields }
  }
}`;
export const CASE_QUERY = CASE_QUERY_DOC + VOLUME_FIELDS;

export interface CaseQueryResult {
  case: CaseDetail | null;
}

export interface CreateCaseInput {
  subjectCode: string;
  eye: Eye;
  eccentricityDeg?: number | null;
  meridian?: string | null;
  acquiredOn?: string | null;
  device?: string | null;
  notes?: string | null;
  tags?: string[];
}

export const CREATE_CASE_MUTATION = /* GraphQL */ `mutation CreateCase($input: CreateCaseInput!) {
  createCase(input: $input) { case { id subject { code } eye } }
}`;

export interface CreateCaseResult {
  createCase: { case: { id: string; subject: { code: string }; eye: Eye } };
}

const UPLOAD_VOLUME_MUTATION_DOC = /* GraphQL */ `mutation UploadVolume($file: Upload!, $input: UploadVolumeInput!) {
  uploadVolume(file: $file, input: $input) { duplicate volume { ...VolumeFields } }
}`;
export const UPLOAD_VOLUME_MUTATION = UPLOAD_VOLUME_MUTATION_DOC + VOLUME_FIELDS;

export interface UploadVolumeResult {
  uploadVolume: { duplicate: boolean; volume: Volume } | null;
}

/** Starts the pipeline over a READY volume (pipeline.graphqls). */
export const START_VOLUME_RUN_MUTATION = /* GraphQL */ `mutation StartVolumeRun($input: StartRunInput!) {
  startRun(input: $input) { id status }
}`;

export interface StartVolumeRunResult {
  startRun: { id: string; status: RunStatus };
}
