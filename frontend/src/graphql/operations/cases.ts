// Case and volume operations; their types are generated (src/graphql/generated.ts).
// No operation here asks for Subject.identity: the UI shows only the
// pseudonymous subject code.
import type { CaseQuery, CasesQuery, VolumeFieldsFragment } from '../generated';

/** CaseNode is a case as the list query sends it. */
type CaseNode = CasesQuery['cases']['edges'][number]['node'];

/** CaseRow is a case in list form; volumes are counted client-side from ids. */
export type CaseRow = Omit<CaseNode, 'volumes'> & { volumeCount: number };

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

export function toCaseRow(n: CaseNode): CaseRow {
  const { volumes, ...rest } = n;
  return { ...rest, volumeCount: volumes.length };
}

/** Volume is a volume as the case detail and the upload answer send it. */
export type Volume = VolumeFieldsFragment;

export const VOLUME_FIELDS = /* GraphQL */ `fragment VolumeFields on Volume { id filename modality dims { z y x } spacingUm { x y z } umPerPx pixelSizeSource deviceCalibration { axialLengthMm fieldOfViewDeg fieldOfViewPx } dataType sizeBytes sourceFormat status errorCode error createdAt latestRun { id status } }`;

const CASE_QUERY_DOC = /* GraphQL */ `query Case($id: ID!) {
  case(id: $id) {
    id subject { code } eye eccentricityDeg meridian acquiredOn device notes tags createdAt updatedAt
    volumes { ...VolumeFields }
  }
}`;
export const CASE_QUERY = CASE_QUERY_DOC + VOLUME_FIELDS;

/** CaseDetail is one case with its volumes. */
export type CaseDetail = NonNullable<CaseQuery['case']>;

export const CREATE_CASE_MUTATION = /* GraphQL */ `mutation CreateCase($input: CreateCaseInput!) {
  createCase(input: $input) { case { id subject { code } eye } }
}`;

const UPLOAD_VOLUME_MUTATION_DOC = /* GraphQL */ `mutation UploadVolume($file: Upload!, $input: UploadVolumeInput!) {
  uploadVolume(file: $file, input: $input) { duplicate volume { ...VolumeFields } }
}`;
export const UPLOAD_VOLUME_MUTATION = UPLOAD_VOLUME_MUTATION_DOC + VOLUME_FIELDS;

/** Starts the pipeline over a READY volume (pipeline.graphqls). */
export const START_VOLUME_RUN_MUTATION = /* GraphQL */ `mutation StartVolumeRun($input: StartRunInput!) {
  startRun(input: $input) { id status }
}`;

/** Sets a volume's pixel size (µm per pixel, or a device calibration); the volume's latest
 * finished run measures again with it (metrics and QC only). */
const SET_VOLUME_CALIBRATION_MUTATION_DOC = /* GraphQL */ `mutation SetVolumeCalibration($input: SetVolumeCalibrationInput!) {
  setVolumeCalibration(input: $input) { volume { ...VolumeFields } run { id status } }
}`;
export const SET_VOLUME_CALIBRATION_MUTATION = SET_VOLUME_CALIBRATION_MUTATION_DOC + VOLUME_FIELDS;

/** Archives a volume (it leaves listings and exports); technicians and admins. */
export const ARCHIVE_VOLUME_MUTATION = /* GraphQL */ `mutation ArchiveVolume($id: ID!, $reason: String!) {
  archiveVolume(id: $id, reason: $reason) { id archivedAt }
}`;

/** Archives a case and its volumes. */
export const ARCHIVE_CASE_MUTATION = /* GraphQL */ `mutation ArchiveCase($id: ID!, $reason: String!) {
  archiveCase(id: $id, reason: $reason) { id archivedAt }
}`;

/** Corrects a case's fields (technicians and admins); the change is audited. */
export const UPDATE_CASE_MUTATION = /* GraphQL */ `mutation UpdateCase($id: ID!, $input: UpdateCaseInput!) {
  updateCase(id: $id, input: $input) { id subject { code } eye eccentricityDeg acquiredOn tags }
}`;
