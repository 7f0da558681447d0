import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Viewer } from '../../graphql/operations/session';
import { jsonResponse } from '../../test/fixtures';
import { SessionContext } from '../session';
import { ModelsPage } from './ModelsPage';

function viewer(roles: string[], rootFields: string[]): Viewer {
  return { user: { id: 'VXNlcjox', displayName: 'Demo' }, project: 'default', roles, method: 'session', projects: ['default'], rootFields: ['Query.models', ...rootFields] };
}
const ML = viewer(['ml_engineer'], ['Mutation.promoteModelVersion', 'Mutation.rollbackModel']);
const ADMIN = viewer(['admin'], ['Mutation.promoteModelVersion', 'Mutation.rollbackModel']);
const RESEARCHER = viewer(['researcher'], []);

const est = (value: number) => ({ value, low: value - 0.01, high: value + 0.01 });
const evaluation = (dice: number) => ({
  id: `e${dice}`,
  status: 'SUCCEEDED',
  progress: 1,
  message: '',
  msPerMpx: 40,
  createdAt: '2026-12-05T10:00:00Z',
  finishedAt: '2026-12-05T10:01:00Z',
  dataset: { id: 'd1', name: 'cunefare-val' },
  scores: [{ modality: 'all', images: 12, sensitivity: est(0.9), fdr: est(0.05), dice: est(dice) }],
});

/** A server for the page's operations, by operation name; mutations are recorded. */
function server(promote: (vars: Record<string, unknown>) => unknown) {
  const mutations: { op: string; vars: Record<string, unknown> }[] = [];
  const fetchMock = vi.fn(async (_url: string, init: RequestInit) => {
    const { query, variables } = JSON.parse(String(init.body)) as { query: string; variables?: Record<string, unknown> };
    const op = /(?:query|mutation) (\w+)/.exec(query)![1]!;
    switch (op) {
      case 'Models':
        return jsonResponse({
          data: {
            models: [
              {
                id: 'm1',
                name: 'cones-unet',
                task: 'cones',
                modality: 'confocal',
                description: '',
                project: 'default',
                versions: [
                  { id: 'v1', version: '1.0.0', stage: 'PRODUCTION', weightsSha256: 'a'.repeat(64), createdAt: '2026-12-01T10:00:00Z', card: '{"intended_use":"cones"}' },
                  { id: 'v2', version: '1.1.0', stage: 'CANDIDATE', weightsSha256: 'b'.repeat(64), createdAt: '2026-12-02T10:00:00Z', card: '{}' },
                ],
              },
            ],
          },
        });
      case 'ModelRegistry':
        return jsonResponse({
          data: {
            models: [
              {
                id: 'm1',
                versions: [
                  { id: 'v1', canaryPercent: null, registeredBy: null, gates: [{ gate: 'min_dice', passed: true, detail: 'ok' }], evaluations: [evaluation(0.97)] },
                  { id: 'v2', canaryPercent: null, registeredBy: { id: 'u', displayName: 'Ml Eng' }, gates: [{ gate: 'min_dice', passed: false, detail: 'Dice 0.800 < 0.95' }], evaluations: [evaluation(0.8)] },
                ],
              },
            ],
            gatePolicies: [{ task: 'cones', modality: 'confocal', minDice: 0.95, maxDiceDrop: 0.01, maxMsPerMpx: 5000 }],
          },
        });
      case 'ProductionHistory':
        return jsonResponse({ data: { productionHistory: [] } });
      case 'PromoteModelVersion':
        mutations.push({ op, vars: variables! });
        return jsonResponse(promote(variables!));
      default:
        throw new Error(`unexpected operation ${op}`);
    }
  });
  vi.stubGlobal('fetch', fetchMock);
  return { mutations };
}

const REFUSED = {
  data: null,
  errors: [{ message: 'promotion refused: gates failed', extensions: { code: 'CONFLICT', gates: [{ gate: 'min_dice', passed: false, detail: 'Dice 0.800 [0.790, 0.810] < 0.95 for confocal' }] } }],
};

function renderAs(v: Viewer) {
  render(
    <SessionContext.Provider value={{ viewer: v, signOut: () => {} }}>
      <ModelsPage />
    </SessionContext.Provider>,
  );
}

describe('the Models page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows versions with gates and Dice, the evaluation table and a chart per modality', async () => {
    server(() => ({}));
    renderAs(RESEARCHER);
    const rows = await screen.findAllByTestId('model-version');
    expect(rows).toHaveLength(2);
    await waitFor(() => expect(within(rows[1]!).getByTestId('version-gates')).toHaveTextContent('✗ Minimum Dice'));
    expect(within(rows[0]!).getByTestId('version-gates')).toHaveTextContent('✓ all 1 pass');
    expect(rows[0]).toHaveTextContent('0.970 [0.960, 0.980]');
    expect(screen.getByTestId('evaluation-table')).toHaveTextContent('cunefare-val');
    expect(screen.getAllByTestId('chart-dice').map((c) => c.dataset.modality)).toEqual(['all']);
    // The point below the gate is drawn as such.
    expect(screen.getByTestId('chart-dice').querySelectorAll('.chart__ci--below')).toHaveLength(1);
  });

  it('hides promote and roll back from those the server would refuse', async () => {
    server(() => ({}));
    renderAs(RESEARCHER);
    await screen.findAllByTestId('model-version');
    expect(screen.queryByTestId('version-promote')).toBeNull();
    expect(screen.queryByTestId('rollback')).toBeNull();
  });

  it('names the failed gates of a refusal; an ML engineer may not override', async () => {
    const { mutations } = server(() => REFUSED);
    renderAs(ML);
    const user = userEvent.setup();
    expect(await screen.findByTestId('rollback')).toHaveTextContent('Roll back 1.0.0');
    await user.click(screen.getAllByTestId('version-promote')[1]!);
    const dialog = screen.getByTestId('promote-dialog');
    expect(within(dialog).getByTestId('promote-stage')).toHaveValue('SHADOW');
    await user.selectOptions(within(dialog).getByTestId('promote-stage'), 'CANARY');
    fireEvent.change(within(dialog).getByTestId('promote-percent'), { target: { value: '50' } });
    fireEvent.change(within(dialog).getByTestId('promote-reason'), { target: { value: 'better on split' } });
    await user.click(within(dialog).getByTestId('promote-submit'));
    const refused = await within(dialog).findByTestId('failed-gates');
    expect(refused).toHaveTextContent('Minimum Dice — Dice 0.800 [0.790, 0.810] < 0.95 for confocal');
    expect(refused).toHaveTextContent('Only an admin may promote over failed gates.');
    expect(within(dialog).queryByTestId('promote-override')).toBeNull();
    expect(within(dialog).getByTestId('promote-submit')).toBeDisabled();
    expect(mutations).toEqual([{ op: 'PromoteModelVersion', vars: { id: 'v2', stage: 'CANARY', reason: 'better on split', canaryPercent: 50, override: false } }]);
  }, 20_000);

  it('lets an admin override the failed gates with the reason', async () => {
    const { mutations } = server((vars) => (vars.override ? { data: { promoteModelVersion: { id: 'v2', stage: 'SHADOW', canaryPercent: null } } } : REFUSED));
    renderAs(ADMIN);
    const user = userEvent.setup();
    await screen.findAllByTestId('model-version');
    await user.click(screen.getAllByTestId('version-promote')[1]!);
    const dialog = screen.getByTestId('promote-dialog');
    fireEvent.change(within(dialog).getByTestId('promote-reason'), { target: { value: 'known failure on one gate; accepted' } });
    await user.click(within(dialog).getByTestId('promote-submit'));
    await user.click(await within(dialog).findByTestId('promote-override'));
    expect(within(dialog).getByTestId('promote-submit')).toHaveTextContent('Override and promote');
    await user.click(within(dialog).getByTestId('promote-submit'));
    expect(await screen.findByTestId('models-notice')).toHaveTextContent('cones-unet 1.1.0 promoted.');
    expect(mutations.map((m) => m.vars.override)).toEqual([false, true]);
    expect(screen.queryByTestId('promote-dialog')).toBeNull();
  }, 20_000);
});
