// The labelling journey, end to end against the real server: sign in → upload a phantom
// volume → watch its run finish → open the viewer → correct three cone marks (add, move,
// delete) → undo/redo → save → reload and find the corrections → a concurrent save shows a
// conflict the user resolves → submit for review → a reviewer (tech) signs in and approves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiToken, createCase, csvPoints, dropFiles, gql, phantomTIFF } from './api.mjs';
import { baseURL, dist, openPage, screenshot, signInContext, toScreen, viewerTransform, withBrowser } from './browser.mjs';

const url = baseURL();

/** isolated returns the marks whose nearest neighbour is at least minGap image px away. */
function isolated(points, minGap) {
  return points.filter((p) => points.every((q) => q === p || dist(p, q) >= minGap));
}

describe('labelling', () => {
  const journey = withBrowser();

  it('uploads, runs, corrects, saves, resolves a conflict, submits and gets approved', async (t) => {
    const session = await openPage(journey.browser, { viewport: { width: 1440, height: 900 } });
    const { page } = session;
    const counts = () => page.getByTestId('viewer-counts').textContent();
    const hist = () => page.getByTestId('viewer-history').textContent();
    const labelStatus = page.getByTestId('label-status');
    try {
      // Upload through the case page and start the run there.
      const created = await createCase(url, { subjectCode: `E2E-LBL-${Date.now().toString(36)}`, eye: 'OD', eccentricityDeg: 2 });
      await page.goto(`${url}/#/cases/${encodeURIComponent(created.id)}`, { waitUntil: 'domcontentloaded' });
      const detail = page.getByTestId('case-detail');
      await detail.getByText('No volumes yet').waitFor({ timeout: 30_000 });
      // The uploader states the phantom's pixel size (its truth.json: 0.5 µm/px): a TIFF
      // without a physical resolution has none, and no µm metric would be measured.
      await detail.getByTestId('upload-um-per-px').fill('0.5');
      await dropFiles(page, '[data-testid="upload-zone"]', [
        { name: 'phantom.tif', type: 'image/tiff', bytes: await phantomTIFF({ kind: 'cones', size: 256, seed: 11, frames: 8 }) },
      ]);
      const row = detail.locator('[data-testid="volume-row"][data-status="READY"]');
      await row.waitFor({ timeout: 60_000 });
      await row.getByRole('button', { name: 'Run' }).click();
      const started = Date.now();
      await row.getByTestId('open-viewer').waitFor({ timeout: 120_000 });
      t.diagnostic(`run finished ${Date.now() - started} ms after Run, seen live in the case detail`);
      t.diagnostic(`screenshot: ${await screenshot(page, 'labelling-run-done')}`);
      await row.getByTestId('open-viewer').click();

      // The viewer: the preprocessed image with the model's marks.
      await page.getByTestId('label-panel').waitFor({ timeout: 30_000 });
      assert.equal(await labelStatus.getAttribute('data-state'), 'NEW');
      const volumeId = decodeURIComponent(new URL(page.url()).hash.replace('#/viewer/', ''));
      const d = await gql(url, 'query($id: ID!) { volume(id: $id) { latestRun { modelPoints fibreOrientation { cellPx cols rows } uncertainty { cellPx cols rows values } } } }', { id: volumeId });
      const model = csvPoints(d.volume.latestRun.modelPoints);
      assert.ok(model.length > 20, `the model found ${model.length} cones`);
      const fo = d.volume.latestRun.fibreOrientation;
      assert.ok(fo.cols * fo.rows > 0, 'the run measured the nerve-fibre orientation');
      const unc = d.volume.latestRun.uncertainty;
      assert.equal(unc.values.length, unc.cols * unc.rows);
      t.diagnostic(`uncertainty ${unc.cols}×${unc.rows} cells of ${unc.cellPx} px, max ${Math.max(...unc.values)}`);
      // Beside the image, what the pipeline measured: cone density with its 95% CI, QC flags
      // (a tab docked with the browser's own metrics).
      await page.getByTestId('dock-tab-results').click();
      const density = page.locator('[data-testid="run-metric"][data-name="cone_density"]');
      await density.waitFor();
      assert.match(await density.textContent(), /cells\/mm² \(95% CI [\d,]+–[\d,]+\)/);
      t.diagnostic(`run results: ${await density.textContent()}; ${await page.getByTestId('run-flags').textContent()}`);
      // The volume's planes, rendered by the server: a B-scan across y, then an en-face frame.
      await page.getByTestId('dock-tab-slices').click();
      const plane = page.getByTestId('slice-image');
      await plane.waitFor();
      assert.equal(await plane.getAttribute('data-width'), '256');
      assert.equal(await plane.getAttribute('data-height'), '8', 'a B-scan: x by the 8 frames');
      await page.getByTestId('slice-panel').getByLabel('Plane', { exact: true }).selectOption('Z');
      await page.waitForFunction(() => document.querySelector('[data-testid="slice-image"]')?.dataset.height === '256');
      t.diagnostic(`planes: ${await page.getByTestId('slice-index').textContent()} en-face frames`);
      t.diagnostic(`screenshot: ${await screenshot(page, 'labelling-planes')}`);
      // The run's nerve-fibre orientation field over the image (F): a cone image, so short strokes.
      await page.keyboard.press('f');
      assert.equal(await page.getByRole('checkbox', { name: 'Nerve fibres (F)', includeHidden: true }).isChecked(), true);
      t.diagnostic(`fibre field ${fo.cols}×${fo.rows} cells of ${fo.cellPx} px; screenshot: ${await screenshot(page, 'labelling-fibres')}`);
      await page.keyboard.press('f');
      // The detector's uncertainty map (U) and a jump to its most doubtful region (N).
      await page.keyboard.press('u');
      await page.keyboard.press('n');
      await page.getByTestId('viewer-region').waitFor();
      const region = await page.getByTestId('viewer-region').textContent();
      assert.match(region, /uncertain region 1\/(\d+) · [\d.]+/);
      t.diagnostic(`${region}; screenshot: ${await screenshot(page, 'labelling-uncertain')}`);
      await page.keyboard.press('u');
      assert.match(await counts(), new RegExp(`^${model.length.toLocaleString('en')} model · 0 human`));
      await page.keyboard.press('0');
      let v = await viewerTransform(page);
      t.diagnostic(`${model.length} model marks; view scale ${v.scale.toFixed(2)}`);

      // 1. Add a mark where there is none.
      await page.keyboard.press('p');
      let empty = null;
      for (let y = 20; y < 236 && !empty; y += 3) {
        for (let x = 140; x < 236 && !empty; x += 3) {
          if (model.every((p) => dist(p, { x, y }) > 5)) empty = { x, y };
        }
      }
      assert.ok(empty, 'a spot with no mark');
      let s = toScreen(v, empty);
      await page.mouse.click(s.x, s.y);
      assert.match(await counts(), new RegExp(`${model.length.toLocaleString('en')} model · 1 human`));

      // 2. Move a model mark (a press on a mark grabs it); 3. select another and delete it.
      // The right half: the metrics and label panels float over the left edge.
      const [a, b] = isolated(model, 6).filter((p) => p.x > 140 && p.x < 236 && p.y > 20 && p.y < 236 && dist(p, empty) > 12);
      assert.ok(a && b, 'two well-separated model marks');
      s = toScreen(v, a);
      await page.mouse.move(s.x, s.y);
      await page.mouse.down();
      await page.mouse.move(s.x + 3 * v.scale, s.y + 3 * v.scale, { steps: 6 });
      await page.mouse.up();
      assert.match(await hist(), /last: Move mark/);
      s = toScreen(v, b);
      await page.mouse.click(s.x, s.y);
      assert.match(await page.getByTestId('viewer-selection').textContent(), /^1 selected/);
      await page.keyboard.press('Delete');
      assert.match(await hist(), /history 3\/3 · last: Delete/);
      const corrected = await counts();
      t.diagnostic(`after the corrections: ${corrected}`);

      // Undo all three and redo them.
      for (let i = 0; i < 3; i++) await page.keyboard.press('Control+z');
      assert.match(await hist(), /history 0\/3/);
      assert.match(await counts(), new RegExp(`^${model.length.toLocaleString('en')} model · 0 human`));
      for (let i = 0; i < 3; i++) await page.keyboard.press('Control+Shift+Z');
      assert.equal(await counts(), corrected);

      // Save (Ctrl+S): version 1.
      assert.equal(await page.getByTestId('label-dirty').getAttribute('data-dirty'), 'true');
      await page.keyboard.press('Control+s');
      await page.waitForFunction(() => document.querySelector('[data-testid="label-status"]')?.dataset.version === '1');
      assert.equal(await page.getByTestId('label-dirty').getAttribute('data-dirty'), 'false');
      t.diagnostic(`screenshot: ${await screenshot(page, 'labelling-saved')}`);

      // Reload: the corrections are the server's now.
      await page.reload({ waitUntil: 'domcontentloaded' });
      await page.getByTestId('label-panel').waitFor({ timeout: 30_000 });
      assert.equal(await labelStatus.getAttribute('data-version'), '1');
      assert.equal(await counts(), corrected, 'the corrections persisted');

      // Someone else saves version 2 meanwhile; this page's next save is a conflict.
      const { label } = await gql(url, 'query($id: ID!) { volume(id: $id) { labels { id document } } }', { id: volumeId }).then((r) => ({
        label: r.volume.labels[0],
      }));
      await gql(url, 'mutation($in: SaveLabelInput!) { saveLabel(input: $in) { version } }', {
        in: { volumeId, kind: 'cones', baseVersion: 1, document: label.document },
      });
      await page.keyboard.press('0');
      v = await viewerTransform(page);
      await page.keyboard.press('p');
      let spot = null;
      for (let y = 236; y > 20 && !spot; y -= 3) {
        for (let x = 236; x > 140 && !spot; x -= 3) {
          if (model.every((p) => dist(p, { x, y }) > 5) && dist(empty, { x, y }) > 12) spot = { x, y };
        }
      }
      s = toScreen(v, spot);
      await page.mouse.click(s.x, s.y);
      assert.equal(await page.getByTestId('label-dirty').getAttribute('data-dirty'), 'true', 'an unsaved edit');
      await page.keyboard.press('Control+s');
      const conflict = page.getByTestId('label-conflict');
      await conflict.waitFor();
      assert.match(await conflict.textContent(), /version 2 now\. Nothing was overwritten/);
      t.diagnostic(`screenshot: ${await screenshot(page, 'labelling-conflict')}`);
      await conflict.getByRole('button', { name: 'Load theirs' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="label-status"]')?.dataset.version === '2');
      assert.equal(await counts(), corrected, "theirs is version 1's marks");

      // Submit for review.
      await page.getByRole('button', { name: 'Submit for review' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="label-status"]')?.dataset.state === 'IN_REVIEW');
      session.assertNoPageErrors();

      // The reviewer signs in and approves.
      const reviewer = await openPage(journey.browser, { viewport: { width: 1440, height: 900 }, signIn: false });
      try {
        await signInContext(reviewer.context, { email: 'tech@aomas.local', password: 'aomas-demo-tech' });
        await reviewer.page.goto(`${url}/#/viewer/${encodeURIComponent(volumeId)}`, { waitUntil: 'domcontentloaded' });
        const review = reviewer.page.getByTestId('label-review');
        await review.waitFor({ timeout: 30_000 });
        assert.equal(await reviewer.page.getByRole('button', { name: 'Save' }).count(), 0, 'a tech reviews, does not edit');
        // The marks are read-only for a reviewer: no editing tool, the P key does nothing.
        assert.match(await reviewer.page.getByTestId('label-readonly').textContent(), /Read only/);
        assert.equal(await reviewer.page.getByRole('button', { name: /^Cone mark/ }).isDisabled(), true);
        await reviewer.page.keyboard.press('p');
        assert.equal(await reviewer.page.getByTestId('viewer-tool').textContent(), 'Pan');
        await review.getByRole('button', { name: 'Approve' }).click();
        await reviewer.page.waitForFunction(() => document.querySelector('[data-testid="label-status"]')?.dataset.state === 'APPROVED');
        const history = await reviewer.page.getByTestId('label-history').textContent();
        t.diagnostic(`history: ${history}`);
        // Authors by name, never by e-mail address (a labeler may not read User.email).
        assert.match(history, /approved v2 by Demo tech/);
        assert.match(history, /submitted v2 by Demo admin/);
        // Each save says what it changed: the first one holds the model's marks and our two by hand;
        // the other editor saved the same document again.
        assert.match(history, /saved v2 by Demo admin — no change/);
        assert.match(history, new RegExp(`saved v1 by Demo admin — ${model.length.toLocaleString('en')} marks \\(2 by hand\\)`));
        t.diagnostic(`screenshot: ${await screenshot(reviewer.page, 'labelling-approved')}`);
        reviewer.assertNoPageErrors();
      } finally {
        await reviewer.close();
      }
      assert.ok(apiToken());
    } catch (err) {
      t.diagnostic(`screenshot of the failure: ${await screenshot(page, 'labelling-failure')}`);
      const uploads = await page.locator('[data-testid="upload-row"]').allTextContents();
      throw new Error(`${err.message}\nupload rows: ${JSON.stringify(uploads)}`, { cause: err });
    } finally {
      await session.close();
    }
  });
});
