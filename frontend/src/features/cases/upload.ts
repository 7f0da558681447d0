// Uploads one file as a volume of a case with the GraphQL multipart request
// spec (operations, map, file) over XMLHttpRequest, which, unlike fetch,
// reports upload progress.
import { csrfHeaders, GRAPHQL_PATH, projectHeaders, type GraphQLErrorEntry } from '../../graphql/client';
import type { UploadVolumeMutation } from '../../graphql/generated';
import { UPLOAD_VOLUME_MUTATION, type Volume } from '../../graphql/operations/cases';

export type UploadOutcome =
  | { kind: 'accepted'; volume: Volume; duplicate: boolean }
  | { kind: 'rejected'; volume: Volume | null; reason: string; message: string }
  | { kind: 'failed'; message: string };

export interface UploadHandle {
  promise: Promise<UploadOutcome>;
  abort(): void;
}

/** The XMLHttpRequest constructor to use; tests swap it. */
export type XHRFactory = () => XMLHttpRequest;

export function buildUploadForm(file: File, caseId: string, umPerPx?: number): FormData {
  const input: Record<string, unknown> = { caseId };
  if (umPerPx !== undefined) input.umPerPx = umPerPx;
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: UPLOAD_VOLUME_MUTATION, variables: { file: null, input } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file, file.name);
  return form;
}

/** interpretUpload turns the server's answer into an outcome. */
export function interpretUpload(status: number, body: unknown): UploadOutcome {
  const b = body as { data?: UploadVolumeMutation | null; errors?: GraphQLErrorEntry[] } | null;
  if (!b || typeof b !== 'object') return { kind: 'failed', message: `HTTP ${status}: not a GraphQL response` };
  const payload = b.data?.uploadVolume ?? null;
  const err = b.errors?.[0];
  if (payload && payload.volume.status === 'REJECTED') {
    return {
      kind: 'rejected',
      volume: payload.volume,
      reason: String(err?.extensions?.reason ?? payload.volume.errorCode ?? 'REJECTED'),
      message: err?.message ?? payload.volume.error ?? 'the file was rejected',
    };
  }
  if (err) {
    const reason = err.extensions?.reason;
    if (reason !== undefined) return { kind: 'rejected', volume: payload?.volume ?? null, reason: String(reason), message: err.message };
    return { kind: 'failed', message: b.errors!.map((e) => e.message).join('; ') };
  }
  if (payload) return { kind: 'accepted', volume: payload.volume, duplicate: payload.duplicate };
  return { kind: 'failed', message: `HTTP ${status}: no data` };
}

export function uploadVolume(
  file: File,
  caseId: string,
  onProgress: (fraction: number) => void,
  makeXHR: XHRFactory = () => new XMLHttpRequest(),
  umPerPx?: number,
): UploadHandle {
  const xhr = makeXHR();
  const promise = new Promise<UploadOutcome>((resolve) => {
    xhr.open('POST', GRAPHQL_PATH);
    xhr.responseType = 'json';
    xhr.setRequestHeader('Accept', 'application/graphql-response+json, application/json');
    for (const [k, v] of Object.entries({ ...csrfHeaders(), ...projectHeaders() })) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e: ProgressEvent) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = xhr.response;
      if (typeof body === 'string') {
        try {
          body = JSON.parse(body);
        } catch {
          body = null;
        }
      }
      onProgress(1);
      resolve(interpretUpload(xhr.status, body));
    };
    xhr.onerror = () => resolve({ kind: 'failed', message: 'network error: the upload did not reach the server' });
    xhr.onabort = () => resolve({ kind: 'failed', message: 'canceled' });
    xhr.send(buildUploadForm(file, caseId, umPerPx));
  });
  return { promise, abort: () => xhr.abort() };
}
