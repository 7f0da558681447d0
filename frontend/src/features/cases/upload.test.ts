import { describe, expect, it } from 'vitest';
import type { Volume } from '../../graphql/operations/cases';
import { buildUploadForm, interpretUpload, uploadVolume } from './upload';

const volume = (status: Volume['status'], extra: Partial<Volume> = {}): Volume => ({
  id: 'v1',
  filename: 'scan.tif',
  modality: 'confocal',
  dims: { z: 1, y: 256, x: 256 },
  spacingUm: { x: 0.5, y: 0.5, z: null },
  umPerPx: 0.5,
  pixelSizeSource: 'FILE',
  deviceCalibration: null,
  dataType: 'uint8',
  sizeBytes: 65536,
  sourceFormat: 'tiff',
  status,
  errorCode: null,
  error: null,
  createdAt: '2026-01-01T00:00:00Z',
  latestRun: null,
  ...extra,
});

/** A fake XMLHttpRequest that records what it was sent and answers on demand. */
class FakeXHR {
  static last: FakeXHR;
  method = '';
  url = '';
  body: unknown;
  headers: Record<string, string> = {};
  responseType = '';
  status = 0;
  response: unknown = null;
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXHR.last = this;
  }
  open(m: string, u: string) {
    this.method = m;
    this.url = u;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(b: unknown) {
    this.body = b;
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
  }
  answer(status: number, response: unknown) {
    this.status = status;
    this.response = response;
    this.onload?.();
  }
}

const fake = () => new FakeXHR() as unknown as XMLHttpRequest;

describe('volume upload', () => {
  it('builds a multipart request per the GraphQL multipart spec', async () => {
    const file = new File(['abc'], 'scan.tif', { type: 'image/tiff' });
    const form = buildUploadForm(file, 'Q2FzZTox');
    const ops = JSON.parse(form.get('operations') as string);
    expect(ops.query).toMatch(/uploadVolume\(file: \$file, input: \$input\)/);
    expect(ops.variables).toEqual({ file: null, input: { caseId: 'Q2FzZTox' } });
    expect(JSON.parse(form.get('map') as string)).toEqual({ 0: ['variables.file'] });
    const part = form.get('0') as File;
    expect(part.name).toBe('scan.tif');
    expect(part.size).toBe(3);
  });

  it('reports progress and an accepted volume', async () => {
    const seen: number[] = [];
    const h = uploadVolume(new File(['x'], 'a.tif'), 'c1', (f) => seen.push(f), fake);
    const x = FakeXHR.last;
    expect(x.method).toBe('POST');
    expect(x.url).toBe('/graphql');
    expect(x.body).toBeInstanceOf(FormData);
    x.progress(25, 100);
    x.progress(100, 100);
    x.answer(200, { data: { uploadVolume: { duplicate: false, volume: volume('READY') } } });
    expect(await h.promise).toEqual({ kind: 'accepted', volume: volume('READY'), duplicate: false });
    expect(seen).toEqual([0.25, 1, 1]);
  });

  it('reports a rejection with the server reason', async () => {
    const h = uploadVolume(new File([], 'empty.tif'), 'c1', () => {}, fake);
    FakeXHR.last.answer(200, {
      data: { uploadVolume: { duplicate: false, volume: volume('REJECTED', { errorCode: 'EMPTY', error: 'the file is empty' }) } },
      errors: [{ message: 'the file is empty', extensions: { code: 'INVALID_INPUT', reason: 'EMPTY' } }],
    });
    const out = await h.promise;
    expect(out).toMatchObject({ kind: 'rejected', reason: 'EMPTY', message: 'the file is empty' });
  });

  it('parses a string body and reports errors without a reason as failures', async () => {
    expect(interpretUpload(200, { errors: [{ message: 'case not found', extensions: { code: 'NOT_FOUND' } }] })).toEqual({
      kind: 'failed',
      message: 'case not found',
    });
    expect(interpretUpload(200, { data: null, errors: [{ message: 'too big', extensions: { reason: 'TOO_LARGE' } }] })).toMatchObject({
      kind: 'rejected',
      reason: 'TOO_LARGE',
      volume: null,
    });
    expect(interpretUpload(502, null)).toEqual({ kind: 'failed', message: 'HTTP 502: not a GraphQL response' });
    const h = uploadVolume(new File(['x'], 'a.tif'), 'c1', () => {}, fake);
    FakeXHR.last.answer(200, JSON.stringify({ data: { uploadVolume: { duplicate: true, volume: volume('READY') } } }));
    expect(await h.promise).toMatchObject({ kind: 'accepted', duplicate: true });
  });

  it('reports network errors and aborts', async () => {
    const h1 = uploadVolume(new File(['x'], 'a.tif'), 'c1', () => {}, fake);
    FakeXHR.last.onerror?.();
    expect(await h1.promise).toMatchObject({ kind: 'failed', message: /network/ });
    const h2 = uploadVolume(new File(['x'], 'a.tif'), 'c1', () => {}, fake);
    h2.abort();
    expect(await h2.promise).toEqual({ kind: 'failed', message: 'canceled' });
  });
});
