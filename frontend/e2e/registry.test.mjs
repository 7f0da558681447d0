// Journey: the model registry. Two versions of a registered model (put straight into the
// database: registration comes with the model-lifecycle work) are listed with their stage and
// weights digest; a labeler is told the registry is not theirs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { baseURL, openPage, screenshot, signInContext, withBrowser } from './browser.mjs';

const url = baseURL();

function sql(statement) {
  const db = process.env.AOMAS_DATABASE_URL;
  if (!db) throw new Error('AOMAS_DATABASE_URL is not set: run the journeys through scripts/e2e.sh');
  execFileSync('psql', [db, '-qtAc', statement]);
}

describe('model registry', () => {
  const journey = withBrowser();
  before(async () => {
    const name = `cones-unet-e2e-${Date.now().toString(36)}`;
    sql(`WITH m AS (INSERT INTO models (name, task, description) VALUES ('${name}', 'cones', 'U-Net cone detector (e2e)') RETURNING id)
      INSERT INTO model_versions (model_id, version, stage, weights_key, weights_sha256)
      SELECT id, v, s, 'models/' || v || '.onnx', repeat(h, 64) FROM m,
      (VALUES ('1.0.0', 'PRODUCTION', 'a'), ('1.1.0', 'CANDIDATE', 'b')) AS x(v, s, h)`);
  });

  it('lists models with their versions, stages and weights digests', async (t) => {
    const session = await openPage(journey.browser, { viewport: { width: 1280, height: 800 } });
    try {
      await session.page.goto(`${url}/#/models`, { waitUntil: 'domcontentloaded' });
      const model = session.page.locator('[data-testid="model"]').filter({ hasText: 'U-Net cone detector (e2e)' });
      await model.waitFor();
      const versions = model.getByTestId('model-version');
      assert.equal(await versions.count(), 2);
      assert.deepEqual(await versions.evaluateAll((rows) => rows.map((r) => r.dataset.stage)), ['PRODUCTION', 'CANDIDATE']);
      assert.match(await versions.first().textContent(), /aaaaaaaaaaaa…/);
      t.diagnostic(`screenshot: ${await screenshot(session.page, 'models')}`);
      session.assertNoPageErrors();
    } finally {
      await session.close();
    }
  });

  it('tells a labeler the registry is not theirs', async () => {
    const session = await openPage(journey.browser, { signIn: false });
    try {
      await signInContext(session.context, { email: 'labeler@aomas.local', password: 'aomas-demo-labeler' });
      await session.page.goto(`${url}/#/models`, { waitUntil: 'domcontentloaded' });
      // The shell offers no Models page to a labeler; opened by its address it points to their work.
      await session.page.getByTestId('not-yours').getByText('Models is not part of your role (labeler)').waitFor();
    } finally {
      await session.close();
    }
  });
});
