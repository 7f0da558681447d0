// Journey: an ML engineer runs a release from the Models page. Three versions of a cone model
// are registered through the API (the shipped confocal network's ONNX file with their own
// cards); their evaluations on one dataset and the drift checks of the new version are put
// straight into the database (see seed below: the evaluation and drift pipelines have their
// own journeys). In the browser the engineer sees the evaluation table and Dice charts, is
// refused promoting the worse version with its failed gates named, takes the new version
// through canary (50%) to production, and rolls it back; the production history shows every
// step with who and why. A researcher sees the same page without the buttons.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { apiToken, gql, REPO_ROOT } from './api.mjs';
import { baseURL, openPage, screenshot, signInContext, withBrowser } from './browser.mjs';

const url = baseURL();
const ENGINEER = { email: 'ml_engineer@aomas.local', password: 'aomas-demo-ml_engineer' };
const RESEARCHER = { email: 'researcher@aomas.local', password: 'aomas-demo-researcher' };
const RUN = Date.now().toString(36);
const MODEL = `cones-e2e-${RUN}`;

function sql(statement) {
  const db = process.env.AOMAS_DATABASE_URL;
  if (!db) throw new Error('AOMAS_DATABASE_URL is not set: run the journeys through scripts/e2e.sh');
  return execFileSync('psql', [db, '-v', 'ON_ERROR_STOP=1', '-qtAc', statement], { encoding: 'utf8' }).trim();
}

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

/** registerVersion registers the shipped confocal network's weights as MODEL version with card. */
async function registerVersion(version, card) {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation($f: Upload!, $in: RegisterModelVersionInput!) { registerModelVersion(file: $f, input: $in) { id version stage } }',
      variables: { f: null, in: { model: MODEL, task: 'cones', modality: 'any', version, card: JSON.stringify(card), description: 'U-Net cone detector (e2e release)' } },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([readFileSync(path.join(REPO_ROOT, 'internal', 'models', 'cones-confocal.onnx'))]), 'cones.onnx');
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { Authorization: `Bearer ${apiToken()}` }, body: form });
  const body = await res.json();
  if (body.errors?.length) throw new Error(`registerModelVersion ${version}: ${JSON.stringify(body.errors)}`);
  return body.data.registerModelVersion;
}

/**
 * A card with the shipped network's inference settings and this version's own training and
 * metrics (kept under the API's 1,000 characters for a card).
 */
function card(dice, note) {
  const shipped = JSON.parse(readFileSync(path.join(REPO_ROOT, 'internal', 'models', 'cones-confocal.card.json'), 'utf8'));
  const c = {
    input: shipped.input,
    output: shipped.output,
    normalisation: shipped.normalisation,
    postprocess: shipped.postprocess,
    training: { data: 'ao-cunefare-2017-train (3 subjects) plus cone phantoms', note, epochs: 24.6 },
    metrics: { validation: { dice: { value: dice, ci95: [dice - 0.004, dice + 0.004] }, n_images: 80 } },
    intended_use: 'Cone centres in confocal and split-detector AOSLO images; research use, not diagnosis.',
    limits: ['validated on 2 held-out subjects (80 images) of one public data set', 'rods are not marked in the training data'],
  };
  if (JSON.stringify(c).length > 1000) throw new Error('the e2e card is over 1,000 characters');
  return c;
}

const est = (v, d = 0.006) => ({ value: v, low: +(v - d).toFixed(4), high: +(v + d).toFixed(4) });
function scores({ all, confocal, split }) {
  const row = (modality, images, dice) => ({ modality, images, sensitivity: est(dice + 0.004), fdr: est(1 - dice + 0.002, 0.003), dice: est(dice) });
  return [row('all', 60, all), row('confocal', 40, confocal), row('split-detector', 20, split)];
}

/** Drift checks of a version over the last 8 hours: in distribution, then the SNR drifts. */
function driftFeatures(i, n) {
  const late = i >= n - 4;
  const f = (feature, kind, psi, p) => ({ feature, kind, ks: psi / 2, p_value: p, psi, drifted: psi > 0.2 || p < 0.01, reference_mean: 1, window_mean: 1 + psi });
  return [
    f('mean_intensity', 'input', 0.02 + 0.01 * (i % 3), 0.9 - 0.02 * i),
    f('contrast', 'input', 0.04, 0.7),
    f('snr', 'input', late ? 0.25 + 0.08 * (i - n + 4) : 0.03 + 0.005 * i, late ? 10 ** -(3 + i - n + 4) : 0.6),
    f('spacing_px', 'input', 0.05, 0.8),
    f('motion_px', 'input', 0.06, 0.5),
    f('count', 'output', late ? 0.12 : 0.03, late ? 0.03 : 0.9),
    f('density', 'output', late ? 0.11 : 0.03, late ? 0.04 : 0.9),
    f('mean_uncertainty', 'output', 0.07, 0.4),
  ];
}

describe('model release from the Models page', () => {
  const journey = withBrowser();
  const v = {};
  let project;

  before(async () => {
    project = (await gql(url, '{ me { project } }')).me.project;
    v.good = await registerVersion('1.0.0', card(0.962, 'baseline'));
    v.better = await registerVersion('1.1.0', card(0.968, 'more augmentation'));
    v.bad = await registerVersion('0.9.0', card(0.81, 'trained for 20 steps only'));
    const ids = Object.fromEntries(
      sql(`SELECT v.version, v.id FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.name = ${q(MODEL)}`)
        .split('\n')
        .map((l) => l.split('|')),
    );
    // Seeded: one dataset and a succeeded evaluation of each version on it.
    const ds = sql(`INSERT INTO datasets (project, name, task, description) VALUES (${q(project)}, ${q(`cunefare-e2e-${RUN}`)}, 'cones', 'e2e') RETURNING id`);
    const evals = [
      ['1.0.0', scores({ all: 0.958, confocal: 0.963, split: 0.948 }), 310],
      ['1.1.0', scores({ all: 0.965, confocal: 0.969, split: 0.957 }), 295],
      ['0.9.0', scores({ all: 0.801, confocal: 0.812, split: 0.779 }), 305],
    ];
    for (const [ver, sc, ms] of evals) {
      sql(`INSERT INTO evaluations (model_version_id, dataset_id, status, progress, scores, ms_per_mpx, created_at, finished_at)
           VALUES (${ids[ver]}, ${ds}, 'SUCCEEDED', 1, ${q(JSON.stringify(sc))}, ${ms}, now() - interval '2 hours', now() - interval '1 hour')`);
    }
    // Seeded: drift checks of 1.1.0, one an hour.
    const n = 12;
    const hasProject = sql(`SELECT count(*) FROM information_schema.columns WHERE table_name = 'drift_checks' AND column_name = 'project'`) === '1';
    for (let i = 0; i < n; i++) {
      const feats = driftFeatures(i, n);
      sql(`INSERT INTO drift_checks (${hasProject ? 'project, ' : ''}model_version_id, runs, drifted, features, at)
           VALUES (${hasProject ? `${q(project)}, ` : ''}${ids['1.1.0']}, ${Math.min(200, 20 * (i + 1))}, ${feats.some((f) => f.drifted)}, ${q(JSON.stringify(feats))}, now() - interval '${n - i} hours')`);
    }
    // Through the API (the admin's token): 1.0.0 is the production version to start from.
    await gql(url, 'mutation($id: ID!) { promoteModelVersion(id: $id, stage: PRODUCTION, reason: "first release of the e2e model") { id } }', { id: v.good.id });
  });

  it('lets an ML engineer promote through the gates and roll back, with the history shown', async (t) => {
    const session = await openPage(journey.browser, { viewport: { width: 1280, height: 800 }, signIn: ENGINEER });
    const { page } = session;
    try {
      await page.goto(`${url}/#/models`, { waitUntil: 'domcontentloaded' });
      const model = page.locator(`[data-testid="model"][data-name="${MODEL}"]`);
      await model.waitFor({ timeout: 20_000 });
      const row = (ver) => model.locator(`[data-testid="model-version"][data-version="${ver}"]`);
      assert.equal(await row('1.0.0').getAttribute('data-stage'), 'PRODUCTION');

      // The evaluation: every version and modality with its interval, and a Dice chart per modality.
      const evaluation = model.getByTestId('evaluation');
      await evaluation.getByTestId('evaluation-table').locator('tr[data-version="1.1.0"][data-modality="all"]').waitFor();
      assert.equal(await evaluation.locator('tbody tr').count(), 9);
      assert.match(await evaluation.locator('tr[data-version="1.1.0"][data-modality="all"]').textContent(), /0\.965 \[0\.959, 0\.971\]/);
      const charts = evaluation.getByTestId('chart-dice');
      assert.deepEqual(await charts.evaluateAll((cs) => cs.map((c) => c.dataset.modality)), ['all', 'confocal', 'split-detector']);
      assert.equal(await evaluation.locator('.chart__ci--below').count(), 3, 'the worse version is below the gate in each modality');
      await expectGates(row('0.9.0'), /Minimum Dice/);
      await evaluation.scrollIntoViewIfNeeded();
      t.diagnostic(`screenshot: ${await screenshot(page, 'models-evaluation-1280x800')}`);

      // The worse version is refused, naming the failed gates; an ML engineer cannot override.
      let dialog = await openPromote(page, row('0.9.0'));
      await dialog.getByTestId('promote-stage').selectOption('PRODUCTION');
      await dialog.getByTestId('promote-reason').fill('try the quick retrain');
      await dialog.getByTestId('promote-submit').click();
      const refused = dialog.getByTestId('failed-gates');
      await refused.waitFor();
      assert.match(await refused.textContent(), /Minimum Dice — Dice 0\.812 \[0\.806, 0\.818\] < 0\.950 for confocal/);
      assert.match(await refused.textContent(), /Not worse than production/);
      assert.match(await refused.textContent(), /Only an admin may promote over failed gates/);
      assert.equal(await dialog.getByTestId('promote-override').count(), 0);
      t.diagnostic(`screenshot: ${await screenshot(page, 'models-refused-1280x800')}`);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await row('0.9.0').getAttribute('data-stage'), 'CANDIDATE');

      // 1.1.0: canary at 50%, then production.
      dialog = await openPromote(page, row('1.1.0'));
      await dialog.getByTestId('promote-stage').selectOption('CANARY');
      await dialog.getByTestId('promote-percent').fill('50');
      await dialog.getByTestId('promote-reason').fill('canary: better split-detector Dice');
      await dialog.getByTestId('promote-submit').click();
      await waitStage(row('1.1.0'), 'CANARY', 'canary 50%');
      dialog = await openPromote(page, row('1.1.0'));
      await dialog.getByTestId('promote-stage').selectOption('PRODUCTION');
      await dialog.getByTestId('promote-reason').fill('canary runs agree; release 1.1.0');
      await dialog.getByTestId('promote-submit').click();
      await waitStage(row('1.1.0'), 'PRODUCTION', 'production');
      assert.equal(await row('1.0.0').getAttribute('data-stage'), 'ARCHIVED');

      // Its drift over time against the limits.
      await row('1.1.0').getByTestId('version-open').click();
      const detail = model.getByTestId('version-detail');
      await detail.getByTestId('chart-drift-psi').waitFor();
      await detail.getByTestId('chart-drift-pValue').waitFor();
      assert.equal(await detail.getByTestId('chart-drift-psi').locator('.chart__series').count(), 8);
      assert.ok((await detail.locator('.chart__point--drifted').count()) >= 4, 'the late SNR checks are marked drifted');
      assert.match(await detail.getByTestId('model-card').textContent(), /more augmentation/);
      await detail.getByTestId('chart-drift-psi').scrollIntoViewIfNeeded();
      t.diagnostic(`screenshot: ${await screenshot(page, 'models-drift-1280x800')}`);
      await row('1.1.0').getByTestId('version-open').click();

      // Roll back: 1.0.0 is production again.
      await model.getByTestId('rollback').click();
      const rb = page.getByTestId('rollback-dialog');
      await rb.getByTestId('rollback-reason').fill('more false positives near the fovea');
      await rb.getByTestId('rollback-submit').click();
      await waitStage(row('1.0.0'), 'PRODUCTION', 'production');
      assert.equal(await row('1.1.0').getAttribute('data-stage'), 'ARCHIVED');
      assert.match(await page.getByTestId('models-notice').textContent(), /1\.0\.0 is in production again/);

      // The production history: every interval, who and why.
      const history = model.getByTestId('history');
      const rows = history.getByTestId('history-table').locator('tbody tr');
      await waitCount(rows, 4);
      assert.deepEqual(
        await rows.evaluateAll((rs) => rs.map((r) => `${r.dataset.version} ${r.dataset.stage}`)),
        ['1.0.0 PRODUCTION', '1.1.0 CANARY', '1.1.0 PRODUCTION', '1.0.0 PRODUCTION'],
      );
      const text = await history.textContent();
      for (const why of ['first release of the e2e model', 'canary: better split-detector Dice', 'canary runs agree; release 1.1.0', 'more false positives near the fovea']) {
        assert.ok(text.includes(why), `the history says why: ${why}`);
      }
      assert.match(await rows.nth(1).textContent(), /Demo ml engineer/);
      assert.equal(await history.locator('.timeline__bar').count(), 4);
      assert.equal(await history.locator('.timeline__bar--open').count(), 1);
      await history.getByTestId('production-timeline').scrollIntoViewIfNeeded();
      t.diagnostic(`screenshot: ${await screenshot(page, 'models-timeline-1280x800')}`);

      // The API agrees.
      const api = await gql(url, `query { productionHistory(task: "cones", modality: "any") { stage modelVersion { version } began { reason actor { displayName } } } }`);
      assert.deepEqual(
        api.productionHistory.map((i) => `${i.modelVersion.version} ${i.stage} ${i.began.actor?.displayName}`),
        ['1.0.0 PRODUCTION Demo admin', '1.1.0 CANARY Demo ml engineer', '1.1.0 PRODUCTION Demo ml engineer', '1.0.0 PRODUCTION Demo ml engineer'],
      );
      session.assertNoPageErrors();
    } finally {
      await session.close();
    }
  });

  it('shows a researcher the registry without promote or roll back', async () => {
    const session = await openPage(journey.browser, { viewport: { width: 1280, height: 800 }, signIn: false });
    const { page } = session;
    try {
      await signInContext(session.context, RESEARCHER);
      await page.goto(`${url}/#/models`, { waitUntil: 'domcontentloaded' });
      const model = page.locator(`[data-testid="model"][data-name="${MODEL}"]`);
      await model.getByTestId('evaluation-table').waitFor({ timeout: 20_000 });
      await model.getByTestId('history-table').waitFor();
      assert.equal(await model.getByTestId('version-promote').count(), 0);
      assert.equal(await model.getByTestId('rollback').count(), 0);
      session.assertNoPageErrors();
    } finally {
      await session.close();
    }
  });
});

async function openPromote(page, row) {
  await row.getByTestId('version-promote').click();
  const dialog = page.getByTestId('promote-dialog');
  await dialog.waitFor();
  return dialog;
}

async function waitStage(row, stage, label) {
  await row.locator(`[data-testid="version-stage"]`, { hasText: label }).waitFor({ timeout: 15_000 });
  assert.equal(await row.getAttribute('data-stage'), stage);
}

async function expectGates(row, re) {
  const cell = row.getByTestId('version-gates');
  await cell.locator('.gates__gate--fail').waitFor();
  assert.match(await cell.textContent(), re);
}

async function waitCount(locator, n, timeout = 15_000) {
  const end = Date.now() + timeout;
  while ((await locator.count()) !== n) {
    if (Date.now() > end) throw new Error(`expected ${n} rows, found ${await locator.count()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
