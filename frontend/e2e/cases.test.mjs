// Journeys over the Cases page against a real server: a case created through
// the API shows up; a phantom TIFF dropped on it uploads with progress and
// becomes READY; a 0-byte file is rejected with the server's reason. Then,
// with 10,000 cases, the time to first render of the list and the frame
// times while scrolling it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCase, createCases, dropFiles, phantomTIFF } from './api.mjs';
import { baseURL, filterCases, screenshot, withBrowser } from './browser.mjs';
import { startFrameClock, stopFrameClock, summarise } from './perf.mjs';

const url = baseURL();
const RUN = Date.now().toString(36).toUpperCase();

describe('cases', () => {
  const journey = withBrowser({ viewport: { width: 1440, height: 900 } });

  it('lists a case created through the API and uploads volumes into it by drag and drop', async (t) => {
    const { page } = journey.session;
    const code = `E2E-${RUN}`;
    const created = await createCase(url, {
      subjectCode: code,
      eye: 'OD',
      eccentricityDeg: 2.5,
      meridian: 'temporal',
      acquiredOn: '2026-02-03',
      device: 'AO-OCT e2e',
      tags: ['e2e'],
    });
    const tiff = await phantomTIFF({ kind: 'cones', size: 256, seed: 1 });
    t.diagnostic(`phantom TIFF: ${tiff.length} bytes`);

    await filterCases(page, code, created.id);
    const row = page.locator(`[data-testid="case-row"][data-case-id="${created.id}"]`);
    assert.match(await row.textContent(), new RegExp(code));
    assert.match(await row.textContent(), /2\.5°/);
    await row.click();
    const detail = page.getByTestId('case-detail');
    await detail.getByRole('heading', { name: new RegExp(code) }).waitFor({ timeout: 30_000 });
    await detail.getByText('No volumes yet').waitFor();

    await dropFiles(page, '[data-testid="upload-zone"]', [
      { name: 'image.tif', type: 'image/tiff', bytes: tiff },
      { name: 'empty.tif', type: 'image/tiff', bytes: new Uint8Array(0) },
    ]);
    const upload = (name) => page.locator(`[data-testid="upload-row"][data-file="${name}"]`);
    await upload('image.tif').waitFor();
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('[data-testid="upload-row"]')];
        return rows.length === 2 && rows.every((r) => ['ready', 'rejected', 'failed', 'received'].includes(r.dataset.state));
      },
      null,
      { timeout: 30_000 },
    );
    const good = upload('image.tif');
    assert.equal(await good.getAttribute('data-state'), 'ready', `image.tif: ${await good.textContent()}`);
    assert.match(await good.textContent(), /READY/);

    const empty = upload('empty.tif');
    assert.equal(await empty.getAttribute('data-state'), 'rejected', `empty.tif: ${await empty.textContent()}`);
    const reason = await empty.getByTestId('upload-reason').textContent();
    t.diagnostic(`0-byte file rejected: ${reason}`);
    assert.match(reason, /EMPTY/);
    assert.match(reason, /empty/i);

    // The case's volume table shows both, with dimensions and the rejection reason.
    const ready = detail.locator('[data-testid="volume-row"][data-status="READY"]');
    await ready.waitFor();
    assert.match(await ready.textContent(), /256 × 256/);
    const rejected = detail.locator('[data-testid="volume-row"][data-status="REJECTED"]');
    await rejected.waitFor();
    assert.match(await rejected.textContent(), /EMPTY/);
    t.diagnostic(`screenshot: ${await screenshot(page, 'cases-upload')}`);

    // Start the pipeline on the READY volume; the run's status shows in the table and
    // follows the run (the pipeline's own journeys check its outcome).
    await ready.getByRole('button', { name: 'Run' }).click();
    const run = ready.getByTestId('volume-run');
    await run.waitFor();
    assert.match(await run.textContent(), /queued|running|succeeded|failed/);
    const r0 = Date.now();
    let status = await run.textContent();
    while (!/succeeded|failed|canceled/.test(status) && Date.now() - r0 < 30_000) {
      await page.waitForTimeout(500);
      status = await run.textContent();
    }
    t.diagnostic(`run over the phantom volume: ${status.trim()} after ${Date.now() - r0} ms`);
    t.diagnostic(`screenshot: ${await screenshot(page, 'cases-run')}`);

    // A case ingested with the wrong eccentricity and tags is corrected in place.
    await detail.getByTestId('edit-case').click();
    const form = page.getByTestId('edit-case-form');
    await form.getByTestId('edit-case-eccentricity').fill('3.75');
    await form.getByTestId('edit-case-tags').fill('e2e, corrected');
    t.diagnostic(`screenshot: ${await screenshot(page, 'cases-correct')}`);
    await form.getByTestId('edit-case-save').click();
    await form.waitFor({ state: 'detached' });
    await detail.getByText('e2e, corrected').waitFor({ timeout: 10_000 });
    assert.match(await detail.locator('.facts').textContent(), /3\.75°/);
  });

  it('renders the first rows of 10,000 cases quickly and scrolls them smoothly', async (t) => {
    const { page } = journey.session;
    const N = 10_000;
    const t0 = Date.now();
    await createCases(url, N, (i) => ({
      subjectCode: `BULK-${RUN}-${String(i).padStart(5, '0')}`,
      eye: i % 2 ? 'OS' : 'OD',
      eccentricityDeg: (i % 200) / 10,
      acquiredOn: `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
      tags: i % 3 ? ['bulk'] : ['bulk', 'cohort-b'],
    }));
    t.diagnostic(`created ${N} cases through the API in ${Date.now() - t0} ms`);

    // Time to first render: from navigation to the first case row in the DOM.
    await page.goto('about:blank');
    const nav0 = Date.now();
    await page.goto(`${url}/#/cases`, { waitUntil: 'commit' });
    await page.locator('[data-testid="case-row"]').first().waitFor({ timeout: 20_000 });
    const wall = Date.now() - nav0;
    const inPage = await page.evaluate(() => Math.round(performance.now()));
    t.diagnostic(`time to first render of the case list: ${inPage} ms since navigation start (${wall} ms wall, incl. page load)`);
    const total = await page.getByTestId('case-count').textContent();
    assert.match(total, /10,00\d cases/);
    t.diagnostic(`screenshot: ${await screenshot(page, 'cases-list')}`);

    // Scroll through the list with the wheel for ~2 s; record frame intervals.
    const box = await page.getByTestId('case-grid-scroll').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await startFrameClock(page);
    const s0 = Date.now();
    while (Date.now() - s0 < 2_000) await page.mouse.wheel(0, 600);
    const { intervals } = await stopFrameClock(page);
    const frames = summarise(intervals);
    const scrolled = await page.getByTestId('case-grid-scroll').evaluate((el) => el.scrollTop);
    t.diagnostic(`scrolling 10,000 cases: frame interval ms median ${frames.median} p95 ${frames.p95} max ${frames.max} (n=${frames.n}); scrolled ${Math.round(scrolled / 28)} rows`);
    const domRows = await page.locator('[data-testid^="case-row"]').count();
    assert.ok(domRows < 120, `the grid should be windowed: ${domRows} rows in the DOM`);
    assert.ok(frames.n >= 20, `too few frames: ${frames.n}`);

    // Jump to the end with the keyboard; the last rows load and show.
    await page.getByTestId('case-grid').focus();
    await page.keyboard.press('End');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="case-row"]')];
      return rows.some((r) => Number(r.getAttribute('aria-rowindex')) >= 10_000);
    }, null, { timeout: 30_000 });
    t.diagnostic(`screenshot: ${await screenshot(page, 'cases-end')}`);
  });

  it('raised no uncaught errors in the page', () => {
    journey.session.assertNoPageErrors();
  });
});
