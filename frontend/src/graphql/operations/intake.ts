// The scanner's upload page: a case and its files, asking only for what a scanner may read
// of them (ids and the upload's verdict; rbac scannerFields), never a field that leads to
// other cases.

export const SCANNER_CREATE_CASE = /* GraphQL */ `mutation ScannerCreateCase($input: CreateCaseInput!) {
  createCase(input: $input) { case { id eye createdAt } }
}`;

export const SCANNER_UPLOAD_VOLUME = /* GraphQL */ `mutation ScannerUploadVolume($file: Upload!, $input: UploadVolumeInput!) {
  uploadVolume(file: $file, input: $input) { duplicate volume { id status sizeBytes errorCode error } }
}`;
