// A technician's journey with a real AOSLO image whose TIFF carries only the 72-dpi default:
// the upload shows that the pixel size is unknown, the run is measured in pixels and flagged
// UNCALIBRATED; the technician sets the pixel size on the case page, the run's metrics are
// measured again, and the viewer shows the pixel size, its source and the new density.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createCase, dropFiles, REPO_ROOT } from './api.mjs';
import { baseURL, filterCases, screenshot, withBrowser } from './browser.mjs';

const url = baseURL();
const RUN = Date.now().toString(36).toUpperCase();
// JC_0007's scale in the data set's scale file (Cunefare et al. 2017).
const UM_PER_PX = 0.4746;
const STEM = 'JC_0007_BL_0.08_aligned_CenterCropped';

function sharedImage() {
  const root = process.env.AOMAS_SHARED_DIR ?? path.join(REPO_ROOT, '..', 'shared');
  return readFile(path.join(root, 'data', 'ao-cunefare-2017-train', 'confocal', 'images', `${STEM}.tif`));
}

describe('calibration', () => {
  const journey = withBrowser({
    viewport: { width: 1440, height: 900 },
    signIn: { email: 'tech@aomas.local', password: 'aomas-demo-tech' },
  });

  it('a technician sets the pixel size and sees the re-measured density', async (t) => {
    const { page } = journey.session;
    const code = `CAL-${RUN}`;
    const created = await createCase(url, { subjectCode: code, eye: 'OD', eccentricityDeg: 0.65, tags: ['e2e'] });
    const tiff = await sharedImage();

    await filterCases(page, code, created.id);
    await page.locator(`[data-testid="case-row"][data-case-id="${created.id}"]`).click();
    const detail = page.getByTestId('case-detail');
    await detail.getByText('No volumes yet').waitFor({ timeout: 30_000 });

    // Upload with no stated pixel size: the 72-dpi tag is not taken for one.
    await dropFiles(page, '[data-testid="upload-zone"]', [{ name: `${STEM}.tif`, type: 'image/tiff', bytes: tiff }]);
    const up = page.locator('[data-testid="upload-row"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="upload-row"]')?.dataset.state === 'ready', null, {
      timeout: 30_000,
    });
    const upPixel = up.getByTestId('upload-pixel-size');
    assert.equal(await upPixel.getAttribute('data-source'), 'NONE');
    assert.match(await upPixel.textContent(), /unknown/);

    const row = detail.getByTestId('volume-row');
    await row.waitFor();
    const pixel = row.getByTestId('volume-pixel-size');
    assert.equal(await pixel.getAttribute('data-source'), 'NONE');

    // Run it: measured in pixels only.
    await row.getByRole('button', { name: 'Run' }).click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="volume-run"]')?.textContent?.includes('succeeded'),
      null,
      { timeout: 120_000 },
    );

    // Set the pixel size on the case page; the latest run measures again.
    await row.getByTestId('set-pixel-size').click();
    const form = page.getByTestId('calibration-form');
    await form.waitFor();
    await form.getByTestId('calibration-um').fill(String(UM_PER_PX));
    await form.getByTestId('calibration-save').click();
    await form.waitFor({ state: 'detached' });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="volume-pixel-size"]')?.dataset.source === 'UPLOADER',
      null,
      { timeout: 30_000 },
    );
    assert.match(await pixel.textContent(), /0\.4746 µm\/px · stated/);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="volume-run"]')?.textContent?.includes('succeeded'),
      null,
      { timeout: 120_000 },
    );
    t.diagnostic(`screenshot: ${await screenshot(page, 'calibration-case')}`);

    // The viewer shows the pixel size, its source and the density measured with it.
    await row.getByTestId('open-viewer').click();
    const badge = page.getByTestId('viewer-pixel-size');
    await badge.waitFor({ timeout: 30_000 });
    assert.equal(await badge.getAttribute('data-source'), 'UPLOADER');
    assert.match(await badge.textContent(), /0\.4746 µm\/px \(stated\)/);
    // The run's results are a docked tab beside the metrics panel.
    await page.locator('.dv-tab').filter({ hasText: 'Run results' }).first().click();
    const density = page.locator('[data-testid="run-metric"][data-name="cone_density"]');
    await density.waitFor({ timeout: 30_000 });
    const text = await density.textContent();
    const value = Number((text.replace(/[,\s\u202f]/g, '').match(/[\d.]+/) ?? ['NaN'])[0]);
    t.diagnostic(`density after calibration: ${text}`);
    // The experts' marks on this image give 50,986 cones/mm² (same estimator).
    assert.ok(value > 45_000 && value < 56_000, `density ${value} within 10% of 50,986`);
    const flags = await page.getByTestId('run-flags').textContent();
    assert.doesNotMatch(flags, /UNCALIBRATED/);
    t.diagnostic(`screenshot: ${await screenshot(page, 'calibration-viewer')}`);
    journey.session.assertNoPageErrors();
  });
});
