// A volume's labelling workspace: the image, the model's marks and the label documents,
// and the mutations that save, submit and review a label.

import type { LabelFieldsFragment, VolumeWorkspaceQuery } from '../generated';

/** The review states (Label.state). */
export type LabelState = 'DRAFT' | 'IN_REVIEW' | 'APPROVED' | 'RETURNED';
export type LabelView = LabelFieldsFragment;
export type LabelEvent = LabelView['history'][number];
export type WorkspaceVolume = NonNullable<VolumeWorkspaceQuery['volume']>;

const LABEL_FIELDS = /* GraphQL */ `fragment LabelFields on Label { id kind version state document history { version action author comment changes at } }`;

const VOLUME_WORKSPACE_QUERY_DOC = /* GraphQL */ `query VolumeWorkspace($id: ID!) {
  volume(id: $id) {
    id dims { z y x } spacingUm { x y } umPerPx pixelSizeSource
    case { id eye subject { code } }
    latestRun { id status masks { kind downloadUrl } modelPoints
      fibreOrientation { cellPx cols rows angleDeg coherence }
      uncertainty { cellPx cols rows values }
    }
    labels { ...LabelFields }
  }
}`;
export const VOLUME_WORKSPACE_QUERY = VOLUME_WORKSPACE_QUERY_DOC + LABEL_FIELDS;

const SAVE_LABEL_MUTATION_DOC = /* GraphQL */ `mutation SaveLabel($input: SaveLabelInput!) { saveLabel(input: $input) { ...LabelFields } }`;
export const SAVE_LABEL_MUTATION = SAVE_LABEL_MUTATION_DOC + LABEL_FIELDS;
const SUBMIT_LABEL_MUTATION_DOC = /* GraphQL */ `mutation SubmitLabel($id: ID!, $version: Int!) { submitLabel(id: $id, version: $version) { ...LabelFields } }`;
export const SUBMIT_LABEL_MUTATION = SUBMIT_LABEL_MUTATION_DOC + LABEL_FIELDS;
const REVIEW_LABEL_MUTATION_DOC = /* GraphQL */ `mutation ReviewLabel($id: ID!, $version: Int!, $approve: Boolean!, $comment: String) {
  reviewLabel(id: $id, version: $version, approve: $approve, comment: $comment) { ...LabelFields }
}`;
export const REVIEW_LABEL_MUTATION = REVIEW_LABEL_MUTATION_DOC + LABEL_FIELDS;
const LABEL_QUERY_DOC = /* GraphQL */ `query Label($id: ID!) { label(id: $id) { ...LabelFields } }`;
export const LABEL_QUERY = LABEL_QUERY_DOC + LABEL_FIELDS;

/** What the pipeline measured on the run (roles that may read metrics). */
export const RUN_RESULTS_QUERY = /* GraphQL */ `query RunResults($id: ID!) {
  run(id: $id) { metrics { name value unit ci95Low ci95High region } qcFlags { code severity message } }
}`;
/** The QC flags alone, for labelers (metrics are not theirs to read). */
export const RUN_FLAGS_QUERY = /* GraphQL */ `query RunFlags($id: ID!) { run(id: $id) { qcFlags { code severity message } } }`;

/** One plane of the volume, rendered by the server (B-scans and en-face frames). */
export const VOLUME_SLICE_QUERY = /* GraphQL */ `query VolumeSlice($id: ID!, $axis: SliceAxis!, $index: Int!) {
  volume(id: $id) { slice(axis: $axis, index: $index) { axis index count width height umPerPxX umPerPxY png } }
}`;
