// Journey: a volume uploaded through the API, a run started from the volume's row in its
// case (no ids typed), and its progress watched live on the Runs page through the SPA's
// own GraphQL client (graphql-transport-ws); the run is listed by subject, eye and file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiToken, gql as apiGQL } from './api.mjs';
import { baseURL, launchBrowser, openPage, screenshot } from './browser.mjs';

function aomasBin() {
  const bin = process.env.AOMAS_E2E_BIN;
  if (!bin) throw new Error('AOMAS_E2E_BIN is not set: run through scripts/e2e.sh (make test)');
  return bin;
}

const gql = (query, variables) => apiGQL(baseURL(), query, variables);

async function uploadPhantom(caseId) {
  const dir = mkdtempSync(path.join(tmpdir(), 'aomas-e2e-'));
  execFileSync(aomasBin(), ['phantom', '--kind', 'cones', '--size', '256', '--seed', '7', '--frames', '8', '--eccentricity-deg', '2', '--out', dir]);
  const tif = readdirSync(dir).find((f) => f.endsWith('.tif'));
  assert.ok(tif, 'the phantom wrote a TIFF');
  const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8'));
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation($f: Upload!, $in: UploadVolumeInput!) { uploadVolume(file: $f, input: $in) { volume { id status error } } }',
      variables: { f: null, in: { caseId, umPerPx: truth.umPerPx } },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([readFileSync(path.join(dir, tif))]), tif);
  const res = await fetch(`${baseURL()}/graphql`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiToken()}` },
    body: form,
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  assert.equal(body.data.uploadVolume.volume.status, 'READY');
  return body.data.uploadVolume.volume.id;
}

describe('run monitor', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('starts a run and shows its progress live, in order, ending with the final state', async (t) => {
    const { createCase } = await gql(
      'mutation { createCase(input: {subjectCode: "S-E2E-RUN", eye: OS, eccentricityDeg: 2, tags: ["e2e"]}) { case { id } } }',
    );
    const volumeId = await uploadPhantom(createCase.case.id);

    const { page, close, assertNoPageErrors } = await openPage(browser);
    try {
      await page.goto(`${baseURL()}/#/cases/${encodeURIComponent(createCase.case.id)}`);
      const row = page.locator('[data-testid="volume-row"][data-status="READY"]');
      await row.getByTestId('volume-run-start').click();
      await row.getByTestId('volume-run').waitFor();
      const { runs } = await gql('query($v: ID!) { runs(filter: {volumeId: $v}) { edges { node { id } } } }', { v: volumeId });
      const runId = runs.edges[0].node.id;
      await page.goto(`${baseURL()}/#/runs`);
      await page.getByTestId(`run-row-${runId}`).click();
      await page.getByTestId('run-monitor').waitFor();
      const listed = await page.getByTestId(`run-row-${runId}`).innerText();
      assert.match(listed, /S-E2E-RUN/, 'the run is listed by its subject code');
      assert.match(listed, /\.tif/, 'and its file');
      await page.locator('[data-testid="run-status"][data-status="SUCCEEDED"]').waitFor({ timeout: 90_000 });

      const events = await page
        .getByTestId('progress-event')
        .evaluateAll((els) => els.map((e) => ({ status: e.dataset.status, fraction: Number(e.dataset.fraction), step: e.dataset.step })));
      t.diagnostic(`progress events seen by the SPA: ${events.length}`);
      assert.ok(events.length >= 3, `want several progress events, got ${JSON.stringify(events)}`);
      for (let i = 1; i < events.length; i++) {
        assert.ok(events[i].fraction >= events[i - 1].fraction, `events out of order: ${JSON.stringify(events)}`);
      }
      assert.equal(events.at(-1).status, 'SUCCEEDED');
      assert.equal(events.at(-1).fraction, 1);
      assert.equal(events.filter((e) => e.status === 'SUCCEEDED').length, 1, 'one final event');

      for (const step of ['validate', 'preprocess', 'segment', 'metrics', 'qc']) {
        await page.locator(`[data-testid="step-${step}"][data-status="SUCCEEDED"]`).waitFor();
      }
      await page.getByTestId('run-metrics').waitFor();
      // The list view learned of the run through runsChanged.
      await page.locator('[data-testid="runs-table"] tr[data-status="SUCCEEDED"]').first().waitFor();
      t.diagnostic(`screenshot: ${await screenshot(page, 'run-monitor')}`);
      assertNoPageErrors();
    } finally {
      await close();
    }
  });
});
