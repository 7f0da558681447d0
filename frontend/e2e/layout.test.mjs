// Journey: the desktop at 1280×800 and 1920×1080, and where each role lands. On a volume
// that went through the pipeline: the viewer opens fitted to the window, its toolbar keeps
// one row and nothing in it is cut off, the overlays show colour scales, N outlines the
// region it moved to; the case detail shows its Run column whole; the run's results draw
// their histograms and the density-by-eccentricity plot. Then every demo account signs in
// and lands on the page of its work, offered only the pages it may use, with no error.
// Screenshots go to e2e/screenshots/.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { gql as apiGQL, phantomTIFF, uploadPhantomVolume } from './api.mjs';
import { baseURL, openPage, screenshot, signInContext, withBrowser } from './browser.mjs';

const url = baseURL();
const gql = (query, variables) => apiGQL(url, query, variables);
const RUN = Date.now().toString(36).toUpperCase();
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

/** A phantom cone mosaic uploaded with its true pixel size, run through the pipeline. */
async function succeededRun() {
  const { createCase } = await gql(
    'mutation($in: CreateCaseInput!) { createCase(input: $in) { case { id } } }',
    { in: { subjectCode: `LAYOUT-${RUN}`, eye: 'OD', eccentricityDeg: 2, tags: ['layout-e2e'] } },
  );
  const caseId = createCase.case.id;
  const { id: volumeId } = await uploadPhantomVolume(url, caseId, { size: 512, seed: 11, eccentricityDeg: 2 });
  const { startRun } = await gql('mutation($in: StartRunInput!) { startRun(input: $in) { id } }', { in: { volumeId } });
  const t0 = Date.now();
  for (;;) {
    const { run } = await gql('query($id: ID!) { run(id: $id) { status } }', { id: startRun.id });
    if (run.status === 'SUCCEEDED') break;
    assert.ok(!['FAILED', 'CANCELED'].includes(run.status), `the run ended ${run.status}`);
    assert.ok(Date.now() - t0 < 120_000, `the run is still ${run.status} after 120 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { caseId, volumeId, runId: startRun.id };
}

/** The checks of one element: its children on one row, and nothing wider than the box. */
async function oneRowUnclipped(locator) {
  return locator.evaluate((el) => {
    const kids = [...el.children].filter((c) => c.getBoundingClientRect().width > 0);
    const tops = kids.map((c) => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2));
    const style = getComputedStyle(el);
    const inner = el.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const tallest = Math.max(...kids.map((c) => c.getBoundingClientRect().height));
    return {
      rows: new Set(tops).size,
      height: el.getBoundingClientRect().height,
      inner,
      tallest,
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
    };
  });
}

describe('layout', () => {
  const journey = withBrowser();
  let fx;
  before(async () => {
    fx = await succeededRun();
  });

  for (const vp of VIEWPORTS) {
    const tag = `${vp.width}x${vp.height}`;

    it(`viewer at ${tag}: fitted, one-row toolbar, colour scales, N outlines its region`, async (t) => {
      const session = await openPage(journey.browser, { viewport: vp });
      const { page } = session;
      try {
        await page.goto(`${url}/#/viewer/${encodeURIComponent(fx.volumeId)}`, { waitUntil: 'domcontentloaded' });
        const toolbar = page.getByRole('toolbar', { name: 'Viewer tools' });
        await toolbar.waitFor({ timeout: 30_000 });
        const stage = page.locator('.viewer__stage');
        await page.waitForFunction(() => window.__aomasViewer?.firstImageAt !== undefined, null, { timeout: 30_000 });
        await page.waitForTimeout(400); // the dock settles; the view follows the window until touched

        const bar = await oneRowUnclipped(toolbar);
        t.diagnostic(`toolbar ${tag}: ${JSON.stringify(bar)}`);
        assert.equal(bar.rows, 1, 'the toolbar keeps one row');
        assert.ok(bar.inner <= bar.tallest + 1, `toolbar height is one row (${bar.inner} ≤ ${bar.tallest})`);
        assert.ok(bar.scrollWidth <= bar.clientWidth, `nothing in the toolbar is cut off (${bar.scrollWidth} ≤ ${bar.clientWidth})`);

        // Fitted: the whole image inside the stage, touching it on one axis (the margin).
        const fit = await stage.evaluate((el) => ({
          scale: Number(el.dataset.viewScale),
          tx: Number(el.dataset.viewTx),
          ty: Number(el.dataset.viewTy),
          w: el.clientWidth,
          h: el.clientHeight,
        }));
        const size = 512 * fit.scale;
        t.diagnostic(`view ${tag}: ${JSON.stringify(fit)}`);
        assert.ok(fit.tx >= 0 && fit.ty >= 0, 'the image starts inside the stage');
        assert.ok(fit.tx + size <= fit.w + 1 && fit.ty + size <= fit.h + 1, 'and ends inside it');
        assert.ok(Math.min(fit.tx, fit.ty) <= 17, 'and fills it on one axis (16 px margin)');
        await screenshot(page, `layout-viewer-${tag}`);

        // Colour scales with their units for the overlays.
        await page.locator('.image-canvas').first().focus();
        await page.keyboard.press('u');
        await page.keyboard.press('d');
        await page.keyboard.press('f');
        await page.getByTestId('legend-uncertainty').waitFor();
        assert.match(await page.getByTestId('legend-density').textContent(), /cones\/mm²/);
        assert.match(await page.getByTestId('legend-fibres').textContent(), /coherence/);
        // N goes to the most uncertain region and outlines it.
        await page.keyboard.press('n');
        await page.getByTestId('viewer-region').waitFor();
        await page.waitForTimeout(400); // the glide to the region
        // The outlined region lies wholly in view.
        const seen = await stage.evaluate((el) => {
          const [x0, y0, x1, y1] = el.dataset.region.split(',').map(Number);
          const s = Number(el.dataset.viewScale);
          const tx = Number(el.dataset.viewTx);
          const ty = Number(el.dataset.viewTy);
          return { left: x0 * s + tx, top: y0 * s + ty, right: x1 * s + tx, bottom: y1 * s + ty, w: el.clientWidth, h: el.clientHeight };
        });
        t.diagnostic(`region on screen ${tag}: ${JSON.stringify(seen)}`);
        assert.ok(seen.left >= -1 && seen.top >= -1 && seen.right <= seen.w + 1 && seen.bottom <= seen.h + 1, 'the outlined region is in view');
        t.diagnostic(`screenshot: ${await screenshot(page, `layout-viewer-overlays-${tag}`)}`);
        const after = await oneRowUnclipped(toolbar);
        assert.equal(after.rows, 1, 'still one row with the overlays on');
        session.assertNoPageErrors();
      } finally {
        await session.close();
      }
    });

    it(`case detail at ${tag}: the Run column is not clipped`, async (t) => {
      const session = await openPage(journey.browser, { viewport: vp });
      const { page } = session;
      try {
        await page.goto(`${url}/#/cases/${encodeURIComponent(fx.caseId)}`, { waitUntil: 'domcontentloaded' });
        const table = page.getByTestId('volume-table');
        await table.waitFor({ timeout: 30_000 });
        await page.getByTestId('open-viewer').first().waitFor({ timeout: 30_000 });
        const m = await table.evaluate((el) => {
          const body = el.closest('.case-detail__body') ?? el.parentElement;
          const box = body.getBoundingClientRect();
          const run = el.querySelector('[data-testid="open-viewer"]').getBoundingClientRect();
          return { scrollWidth: body.scrollWidth, clientWidth: body.clientWidth, runRight: run.right, boxRight: box.right, tableWidth: el.scrollWidth, tableBox: el.clientWidth };
        });
        t.diagnostic(`case detail ${tag}: ${JSON.stringify(m)}`);
        assert.ok(m.scrollWidth <= m.clientWidth, `the detail does not scroll sideways (${m.scrollWidth} ≤ ${m.clientWidth})`);
        assert.ok(m.runRight <= m.boxRight, `the Run column's Open button is in view (${m.runRight} ≤ ${m.boxRight})`);
        await screenshot(page, `layout-case-${tag}`);
        session.assertNoPageErrors();
      } finally {
        await session.close();
      }
    });
  }

  it('draws the run’s histograms and density by eccentricity from the API', async (t) => {
    const session = await openPage(journey.browser, { viewport: { width: 1280, height: 800 } });
    const { page } = session;
    try {
      await page.goto(`${url}/#/runs`, { waitUntil: 'domcontentloaded' });
      await page.getByTestId(`run-row-${fx.runId}`).click({ timeout: 30_000 });
      const charts = page.getByTestId('run-charts');
      await charts.waitFor({ timeout: 30_000 });
      for (const id of ['chart-nnd', 'chart-icd', 'chart-area', 'chart-density-eccentricity']) await charts.getByTestId(id).waitFor();
      assert.match(await charts.getByTestId('chart-nnd').textContent(), /µm/);
      assert.match(await charts.getByTestId('chart-area').textContent(), /µm²/);
      assert.ok((await charts.locator('.chart__bar').count()) > 10, 'the histograms have bars');
      assert.equal(await charts.locator('[data-this-run]').count(), 1, 'this run is marked in the cohort plot');
      await charts.scrollIntoViewIfNeeded();
      t.diagnostic(`screenshot: ${await screenshot(page, 'layout-run-charts-1280x800')}`);
      session.assertNoPageErrors();
    } finally {
      await session.close();
    }
  });

  it('lets a scanner make a case and send a file from its page, reading nothing else', async (t) => {
    const session = await openPage(journey.browser, { viewport: { width: 1280, height: 800 }, signIn: false });
    const { page } = session;
    try {
      await signInContext(session.context, { email: 'scanner@aomas.local', password: 'aomas-demo-scanner' });
      await page.goto(`${url}/`, { waitUntil: 'domcontentloaded' });
      const form = page.getByTestId('scanner-upload');
      await form.getByLabel('Subject code').fill(`SCAN-${RUN}`);
      await form.getByLabel('Eccentricity (°)').fill('1.5');
      await form.getByRole('button', { name: 'Create case' }).click();
      await page.getByTestId('scanner-case').waitFor();
      await form.getByLabel('Pixel size (µm per pixel)').fill('0.5');
      const tiff = await phantomTIFF({ kind: 'cones', size: 256, seed: 5 });
      await page.getByTestId('scanner-file').setInputFiles([
        { name: 'scan.tif', mimeType: 'image/tiff', buffer: Buffer.from(tiff) },
        { name: 'empty.tif', mimeType: 'image/tiff', buffer: Buffer.alloc(0) },
      ]);
      const sent = page.getByTestId('scanner-sent');
      await sent.locator('li[data-state="ready"]', { hasText: 'scan.tif' }).waitFor({ timeout: 30_000 });
      await sent.locator('li[data-state="rejected"]', { hasText: 'empty.tif' }).waitFor({ timeout: 30_000 });
      assert.match(await sent.textContent(), /EMPTY/);
      assert.deepEqual(await page.getByRole('alert').allTextContents(), [], 'no refusal on the way');
      t.diagnostic(`screenshot: ${await screenshot(page, 'scanner-upload')}`);
      session.assertNoPageErrors();
    } finally {
      await session.close();
    }
  });

  const LANDS = {
    admin: { page: 'system', nav: ['System', 'Cases', 'Runs', 'Viewer', 'Models', 'Admin'] },
    ml_engineer: { page: 'models', nav: ['System', 'Cases', 'Runs', 'Viewer', 'Models'] },
    researcher: { page: 'runs', nav: ['Cases', 'Runs', 'Viewer', 'Models'] },
    tech: { page: 'cases', nav: ['Cases', 'Runs', 'Viewer'] },
    labeler: { page: /^(work|cases)$/, nav: ['Cases', 'Runs', 'Viewer'] },
    scanner: { page: 'upload', nav: ['Upload'] },
  };
  for (const [role, want] of Object.entries(LANDS)) {
    it(`lands ${role} where its work is, with only its pages`, async (t) => {
      const session = await openPage(journey.browser, { viewport: { width: 1280, height: 800 }, signIn: false });
      const { page } = session;
      try {
        await signInContext(session.context, { email: `${role}@aomas.local`, password: `aomas-demo-${role}` });
        await page.goto(`${url}/`, { waitUntil: 'domcontentloaded' });
        const content = page.locator('.page-content');
        await content.waitFor();
        const landed = await content.getAttribute('data-page');
        if (want.page instanceof RegExp) assert.match(landed, want.page);
        else assert.equal(landed, want.page);
        const nav = (await page.getByRole('navigation', { name: 'Navigator' }).getByRole('link').allTextContents()).map((s) => s.trim());
        // Pages added by others (My work) may join; the ones a role cannot use never show.
        for (const p of want.nav) assert.ok(nav.includes(p), `${role} is offered ${p}: ${nav}`);
        for (const p of ['System', 'Admin', 'Models', 'Upload', 'Cases']) {
          if (!want.nav.includes(p)) assert.ok(!nav.includes(p), `${role} is not offered ${p}: ${nav}`);
        }
        await page.waitForTimeout(800); // let the page's queries answer
        const alerts = await page.getByRole('alert').allTextContents();
        assert.deepEqual(alerts, [], `${role} sees no error`);
        assert.equal(await page.getByText(/not allowed/).count(), 0);
        t.diagnostic(`screenshot: ${await screenshot(page, `landing-${role}`)}`);
        session.assertNoPageErrors();
      } finally {
        await session.close();
      }
    });
  }
});
