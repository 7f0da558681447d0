import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { CaseFilter, CaseOrder } from '../../graphql/generated';
import type { CaseDetail, CaseRow, Volume } from '../../graphql/operations/cases';
import { jsonResponse } from '../../test/fixtures';
import type { FetchPage } from './caseList';
import { CasesPage } from './CasesPage';
import type { UploadOutcome } from './upload';
import type { Uploader } from './UploadZone';

function row(i: number): CaseRow {
  return {
    id: `case-${i}`,
    subject: { code: `SUBJ-${String(i).padStart(5, '0')}` },
    eye: i % 2 ? 'OS' : 'OD',
    eccentricityDeg: (i % 100) / 10,
    meridian: 'temporal',
    acquiredOn: '2026-03-04',
    device: 'AO-OCT 2',
    tags: ['cohort-a'],
    createdAt: '2026-03-05T10:00:00Z',
    volumeCount: i % 3,
    latestRun: i % 4 === 0 ? { id: `run-${i}`, status: 'SUCCEEDED' } : null,
  };
}

function fakeServer(total: number) {
  const calls: { filter: CaseFilter; order: CaseOrder; after: string | null }[] = [];
  const fetchFor = (filter: CaseFilter, order: CaseOrder): FetchPage => async (after, first) => {
    calls.push({ filter, order, after });
    const start = after === null ? 0 : Number(after) + 1;
    const n = filter.subjectCode ? Math.min(1, total) : total;
    const rows = Array.from({ length: Math.max(0, Math.min(first, n - start)) }, (_, k) => row(start + k));
    return { rows, total: n, endCursor: String(start + rows.length - 1), hasNext: start + rows.length < n };
  };
  return { fetchFor, calls };
}

const volume = (id: string, status: Volume['status'], extra: Partial<Volume> = {}): Volume => ({
  id,
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
  createdAt: '2026-03-05T10:00:00Z',
  latestRun: null,
  ...extra,
});

function detail(id: string, volumes: Volume[]): CaseDetail {
  return { ...row(Number(id.split('-')[1])), notes: '', updatedAt: '2026-03-05T10:00:00Z', volumes } as unknown as CaseDetail;
}

describe('CasesPage', () => {
  it('windows 10,000 rows: the grid knows them all but renders a few', async () => {
    const { fetchFor } = fakeServer(10_000);
    render(<CasesPage fetchFor={fetchFor} />);
    await screen.findByText('10,000 cases');
    const grid = screen.getByRole('grid', { name: 'Cases' });
    expect(grid).toHaveAttribute('aria-rowcount', '10001');
    const rendered = screen.getAllByTestId('case-row');
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(60);
    expect(rendered[0]).toHaveTextContent('SUBJ-00000');
    // Subject identity never appears: only the pseudonymous code.
    expect(document.body.textContent).not.toMatch(/patient/i);
  });

  it('loads further pages as the grid scrolls', async () => {
    const { fetchFor, calls } = fakeServer(10_000);
    render(<CasesPage fetchFor={fetchFor} />);
    await screen.findByText('10,000 cases');
    const scroller = screen.getByTestId('case-grid-scroll');
    await act(async () => {
      scroller.scrollTop = 28 * 2_000;
      fireEvent.scroll(scroller);
    });
    await waitFor(() => expect(screen.getAllByTestId('case-row').some((r) => r.textContent?.includes('SUBJ-02000'))).toBe(true));
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(screen.getAllByTestId('case-row').length).toBeLessThan(60);
  });

  it('sorts by a column on the server, toggling the direction', async () => {
    const { fetchFor, calls } = fakeServer(50);
    const user = userEvent.setup();
    render(<CasesPage fetchFor={fetchFor} />);
    await screen.findByText('50 cases');
    await user.click(screen.getByRole('button', { name: /Eccentricity/ }));
    await waitFor(() => expect(calls.at(-1)!.order).toEqual({ field: 'ECCENTRICITY', direction: 'DESC' }));
    expect(screen.getByRole('columnheader', { name: /Eccentricity/ })).toHaveAttribute('aria-sort', 'descending');
    await user.click(screen.getByRole('button', { name: /Eccentricity/ }));
    await waitFor(() => expect(calls.at(-1)!.order).toEqual({ field: 'ECCENTRICITY', direction: 'ASC' }));
  });

  it('filters by subject code (debounced) and by eye', async () => {
    const { fetchFor, calls } = fakeServer(50);
    const user = userEvent.setup();
    render(<CasesPage fetchFor={fetchFor} />);
    await screen.findByText('50 cases');
    await user.keyboard('/');
    expect(screen.getByLabelText('Filter by subject code')).toHaveFocus();
    await user.keyboard('SUBJ-00001');
    await screen.findByText('1 case');
    expect(calls.at(-1)!.filter).toEqual({ subjectCode: 'SUBJ-00001' });
    await user.selectOptions(screen.getByLabelText('Filter by eye'), 'OS');
    await waitFor(() => expect(calls.at(-1)!.filter).toEqual({ subjectCode: 'SUBJ-00001', eye: 'OS' }));
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    await screen.findByText('50 cases');
  });

  it('opens a case from the keyboard and shows its volumes and rejection reasons', async () => {
    const { fetchFor } = fakeServer(50);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        jsonResponse({
          data: {
            case: detail('case-1', [
              volume('v1', 'READY'),
              volume('v2', 'REJECTED', { errorCode: 'TRUNCATED', error: 'the file ends early' }),
            ]),
          },
        }),
      ),
    );
    const user = userEvent.setup();
    render(<CasesPage fetchFor={fetchFor} />);
    await screen.findByText('50 cases');
    screen.getByRole('grid', { name: 'Cases' }).focus();
    await user.keyboard('{ArrowDown}{Enter}');
    const panel = await screen.findByTestId('case-detail');
    const rows = await within(panel).findAllByTestId('volume-row');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('READY');
    expect(rows[0]).toHaveTextContent('256 × 256');
    expect(rows[0]).toHaveTextContent('0.5 µm/px · from the file');
    expect(rows[1]).toHaveTextContent('TRUNCATED the file ends early');
    expect(window.location.hash).toBe('#/cases/case-1');
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('case-detail')).not.toBeInTheDocument();
    vi.unstubAllGlobals();
  });

  it('uploads dropped files with per-file progress and verdicts', async () => {
    const { fetchFor } = fakeServer(5);
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse({ data: { case: detail('case-0', []) } })));
    const progress: Record<string, (f: number) => void> = {};
    const finish: Record<string, (o: UploadOutcome) => void> = {};
    const uploader: Uploader = (file, caseId, onProgress) => {
      expect(caseId).toBe('case-0');
      progress[file.name] = onProgress;
      return { promise: new Promise((r) => (finish[file.name] = r)), abort: () => {} };
    };
    const user = userEvent.setup();
    render(<CasesPage fetchFor={fetchFor} uploader={uploader} />);
    await screen.findByText('5 cases');
    await user.click(screen.getAllByTestId('case-row')[0]!);
    const zone = await screen.findByTestId('upload-zone');
    const good = new File(['x'.repeat(100)], 'good.tif');
    const empty = new File([], 'empty.tif');
    fireEvent.drop(zone, { dataTransfer: { files: [good, empty] } });
    const rowOf = (name: string) => screen.getAllByTestId('upload-row').find((r) => r.getAttribute('data-file') === name)!;
    await waitFor(() => expect(screen.getAllByTestId('upload-row')).toHaveLength(2));
    act(() => progress['good.tif']!(0.4));
    expect(rowOf('good.tif')).toHaveTextContent('40%');
    expect(rowOf('good.tif').querySelector('progress')).toHaveAttribute('value', '0.4');
    act(() => progress['good.tif']!(1));
    expect(rowOf('good.tif')).toHaveAttribute('data-state', 'processing');
    await act(async () => finish['good.tif']!({ kind: 'accepted', volume: volume('v9', 'READY'), duplicate: false }));
    await act(async () =>
      finish['empty.tif']!({ kind: 'rejected', volume: volume('v10', 'REJECTED'), reason: 'EMPTY', message: 'the file is empty' }),
    );
    expect(rowOf('good.tif')).toHaveAttribute('data-state', 'ready');
    expect(rowOf('good.tif')).toHaveTextContent('READY');
    expect(rowOf('empty.tif')).toHaveAttribute('data-state', 'rejected');
    expect(within(rowOf('empty.tif')).getByTestId('upload-reason')).toHaveTextContent('EMPTY the file is empty');
    vi.unstubAllGlobals();
  });

  it('starts a run on a READY volume and shows its status', async () => {
    const { fetchFor } = fakeServer(2);
    let started = false;
    const fetchMock = vi.fn(async (_url: unknown, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body));
      if (String(body.query).includes('startRun')) {
        expect(body.variables).toEqual({ input: { volumeId: 'v1' } });
        started = true;
        return jsonResponse({ data: { startRun: { id: 'r1', status: 'QUEUED' } } });
      }
      const run = started ? ({ id: 'r1', status: 'SUCCEEDED' } as const) : null;
      return jsonResponse({ data: { case: detail('case-0', [volume('v1', 'READY', { latestRun: run })]) } });
    });
    vi.stubGlobal('fetch', fetchMock);
    const user = userEvent.setup();
    render(<CasesPage fetchFor={fetchFor} />);
    await screen.findByText('2 cases');
    await user.click(screen.getAllByTestId('case-row')[0]!);
    await user.click(await screen.findByRole('button', { name: 'Run' }));
    expect(await screen.findByTestId('volume-run')).toHaveTextContent('succeeded');
    vi.unstubAllGlobals();
  });

  it('creates a case from the New case dialog (N)', async () => {
    const { fetchFor } = fakeServer(3);
    const fetchMock = vi.fn(async (_url: unknown, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body));
      if (String(body.query).includes('createCase')) {
        expect(body.variables.input).toEqual({ subjectCode: 'NEW-1', eye: 'OS', eccentricityDeg: 2.5, tags: ['a', 'b'] });
        return jsonResponse({ data: { createCase: { case: { id: 'case-2', subject: { code: 'NEW-1' }, eye: 'OS' } } } });
      }
      return jsonResponse({ data: { case: detail('case-2', []) } });
    });
    vi.stubGlobal('fetch', fetchMock);
    const user = userEvent.setup();
    render(<CasesPage fetchFor={fetchFor} />);
    await screen.findByText('3 cases');
    await user.keyboard('n');
    const dialog = screen.getByRole('dialog', { name: 'New case' });
    await user.type(within(dialog).getByLabelText('Subject code'), 'NEW-1');
    await user.selectOptions(within(dialog).getByLabelText('Eye'), 'OS');
    await user.type(within(dialog).getByLabelText('Eccentricity (°)'), '2.5');
    await user.type(within(dialog).getByLabelText('Tags'), 'a, b');
    await user.click(within(dialog).getByRole('button', { name: 'Create case' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(window.location.hash).toBe('#/cases/case-2');
    expect(await screen.findByTestId('case-detail')).toBeInTheDocument();
    vi.unstubAllGlobals();
  });
});
