// Journey: a volume uploaded through the API, a run started from the volume's row in its
// case (no ids typed), and its progress watched live on the Runs page through the SPA's
// own GraphQL client (graphql-transport-ws); the run is listed by subject, eye and file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gql as apiGQL, uploadPhantomVolume } from './api.mjs';
import { baseURL, openPage, screenshot, withBrowser } from './browser.mjs';

function aomasBin() {
  const bin = process.env.AOMAS_E2E_BIN;
  if (!bin) throw new Error('AOMAS_E2E_BIN is not set: run through scripts/e2e.sh (make test)');
  return bin;
}

const gql = (query, variables) => apiGQL(baseURL(), query, variables);

async function uploadPhantom(caseId) {
  // Large enough that the run lasts several seconds: the journey starts it from the case
  // page and then opens the Runs page, and wants to see its steps arrive live there.
  const volume = await uploadPhantomVolume(baseURL(), caseId, { bin: aomasBin(), size: 640, seed: 7, frames: 16, eccentricityDeg: 2 });
  assert.equal(volume.status, 'READY');
  return volume.id;
}

describe('run monitor', () => {
  const journey = withBrowser();

  it('starts a run and shows its progress live, in order, ending with the final state', async (t) => {
    const { createCase } = await gql(
      'mutation { createCase(input: {subjectCode: "S-E2E-RUN", eye: OS, eccentricityDeg: 2, tags: ["e2e"]}) { case { id } } }',
    );
    const volumeId = await uploadPhantom(createCase.case.id);

    const { page, close, assertNoPageErrors } = await openPage(journey.browser);
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
