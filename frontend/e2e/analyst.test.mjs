// Journey: an analyst (researcher) opens the metrics table for a cohort, reads one row per
// volume named by subject, eye, eccentricity and file, and downloads it as CSV; the file
// saved by the browser holds the same row with the cone density and its interval.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { apiToken, createCase, gql as apiGQL, REPO_ROOT } from './api.mjs';
import { baseURL, openPage, screenshot, signInContext, withBrowser } from './browser.mjs';

const url = baseURL();
const gql = (query, variables) => apiGQL(url, query, variables);

async function upload(caseId, name, bytes, umPerPx) {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation($f: Upload!, $in: UploadVolumeInput!) { uploadVolume(file: $f, input: $in) { volume { id status filename } } }',
      variables: { f: null, in: { caseId, umPerPx } },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([bytes]), name);
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { Authorization: `Bearer ${apiToken()}` }, body: form });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  assert.equal(body.data.uploadVolume.volume.filename, name, 'the volume keeps its file name');
  return body.data.uploadVolume.volume.id;
}

/** phantom writes a cone phantom with the binary and returns its TIFF and its true pixel size. */
function phantom() {
  const dir = mkdtempSync(path.join(tmpdir(), 'aomas-e2e-analyst-'));
  execFileSync(path.join(REPO_ROOT, 'bin', 'aomas'), ['phantom', '--kind', 'cones', '--size', '256', '--seed', '5', '--frames', '4', '--eccentricity-deg', '2', '--out', dir]);
  const tif = readdirSync(dir).find((f) => f.endsWith('.tif'));
  assert.ok(tif, 'the phantom wrote a TIFF');
  const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8'));
  return { bytes: readFileSync(path.join(dir, tif)), umPerPx: truth.umPerPx };
}

async function runToEnd(volumeId) {
  const { startRun } = await gql('mutation($v: ID!) { startRun(input: {volumeId: $v}) { id } }', { v: volumeId });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { run } = await gql('query($id: ID!) { run(id: $id) { status } }', { id: startRun.id });
    if (run.status === 'SUCCEEDED') return startRun.id;
    assert.ok(!['FAILED', 'CANCELED'].includes(run.status), `run ended ${run.status}`);
    assert.ok(Date.now() < deadline, 'the run did not finish in 2 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('analyst', () => {
  const journey = withBrowser();

  it('exports the wide table of a cohort as CSV', async (t) => {
    const cohort = `e2e-analyst-${Date.now().toString(36)}`;
    const code = `S-AN-${Date.now().toString(36)}`.toUpperCase();
    const c = await createCase(url, { subjectCode: code, eye: 'OS', eccentricityDeg: 2, tags: [cohort] });
    const file = 'subject-os-2deg.tif';
    const ph = phantom();
    const volumeId = await upload(c.id, file, ph.bytes, ph.umPerPx);
    await runToEnd(volumeId);

    const { page, context, close, assertNoPageErrors } = await openPage(journey.browser, { signIn: false });
    try {
      await signInContext(context, { email: 'researcher@aomas.local', password: 'aomas-demo-researcher' });
      await page.goto(`${url}/#/table`);
      await page.getByTestId('metric-table').waitFor();
      await page.getByTestId('table-cohort').fill(cohort);
      await page.getByTestId('table-apply').click();
      const row = page.getByTestId('metric-table-row');
      await row.first().waitFor();
      assert.equal(await row.count(), 1, 'one row per volume (its current run)');
      const text = await row.first().innerText();
      assert.match(text, new RegExp(code));
      assert.match(text, /subject-os-2deg\.tif/);
      assert.match(text, /\bOS\b/);
      t.diagnostic(`screenshot: ${await screenshot(page, 'analyst-table')}`);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('table-download').click()]);
      assert.match(download.suggestedFilename(), new RegExp(`^aomas-metrics-${cohort}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
      const csv = await readFile(await download.path(), 'utf8');
      const [head, ...rows] = csv.trim().split(/\r?\n/);
      const cols = head.split(',');
      assert.equal(rows.length, 1, csv);
      const cells = rows[0].split(',');
      const at = (name) => cells[cols.indexOf(name)];
      for (const name of ['subject_code', 'eye', 'eccentricity_deg', 'file_name', 'model_version', 'cone_density (cells/mm²)', 'cone_density_ci95_low', 'cone_density_ci95_high']) {
        assert.ok(cols.includes(name), `column ${name} in ${head}`);
      }
      assert.equal(at('subject_code'), code);
      assert.equal(at('eye'), 'OS');
      assert.equal(at('eccentricity_deg'), '2');
      assert.equal(at('file_name'), file);
      const density = Number(at('cone_density (cells/mm²)'));
      assert.ok(density > 0, `a cone density, got ${at('cone_density (cells/mm²)')}`);
      assert.ok(Number(at('cone_density_ci95_low')) <= density && density <= Number(at('cone_density_ci95_high')), 'inside its interval');
      t.diagnostic(`downloaded ${download.suggestedFilename()}: density ${density}`);
      assertNoPageErrors();
    } finally {
      await close();
    }
  });
});
