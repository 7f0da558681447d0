// A volume's labelling workspace: the image, the model's marks and the label documents,
// and the mutations that save, submit and review a label.

export type LabelState = 'DRAFT' | 'IN_REVIEW' | 'APPROVED' | 'RETURNED';

export interface LabelEvent {
  version: number;
  action: string;
  author: string;
  comment: string;
  at: string;
}

export interface LabelView {
  id: string;
  kind: string;
  version: number;
  state: LabelState;
  document: string;
  history: LabelEvent[];
}

export interface WorkspaceVolume {
  id: string;
  dims: { z: number; y: number; x: number };
  spacingUm: { x: number | null; y: number | null };
  case: { id: string; eye: string; subject: { code: string } };
  latestRun: {
    id: string;
    status: string;
    masks: { kind: string; downloadUrl: string | null }[];
    modelPoints: string | null;
  } | null;
  labels: LabelView[];
}

const LABEL_FIELDS = 'id kind version state document history { version action author comment at }';

export const VOLUME_WORKSPACE_QUERY = `query VolumeWorkspace($id: ID!) {
  volume(id: $id) {
    id dims { z y x } spacingUm { x y }
    case { id eye subject { code } }
    latestRun { id status masks { kind downloadUrl } modelPoints }
    labels { ${LABEL_FIELDS} }
  }
}`;

export interface VolumeWorkspaceResult {
  volume: WorkspaceVolume | null;
}

export const SAVE_LABEL_MUTATION = `mutation SaveLabel($input: SaveLabelInput!) { saveLabel(input: $input) { ${LABEL_FIELDS} } }`;
export const SUBMIT_LABEL_MUTATION = `mutation SubmitLabel($id: ID!, $version: Int!) { submitLabel(id: $id, version: $version) { ${LABEL_FIELDS} } }`;
export const REVIEW_LABEL_MUTATION = `mutation ReviewLabel($id: ID!, $version: Int!, $approve: Boolean!, $comment: String) {
  reviewLabel(id: $id, version: $version, approve: $approve, comment: $comment) { ${LABEL_FIELDS} }
}`;
export const LABEL_QUERY = `query Label($id: ID!) { label(id: $id) { ${LABEL_FIELDS} } }`;

export interface SaveLabelResult {
  saveLabel: LabelView;
}
export interface SubmitLabelResult {
  submitLabel: LabelView;
}
export interface ReviewLabelResult {
  reviewLabel: LabelView;
}
export interface LabelQueryResult {
  label: LabelView | null;
}
