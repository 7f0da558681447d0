// The work-queue and review journey: a volume with a finished run is assigned to the
// labeler; the labeler finds it in "My work", corrects three marks (adds one, moves one,
// deletes one) and submits; the reviewer finds it in "My work", sees the diff against the
// model's marks (added / removed / moved, in their colours), returns one region with a
// comment and accepts the rest; the labeler finds it back as returned with the region shown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCase, csvPoints, dropFiles, gql, phantomTIFF } from './api.mjs';
import { baseURL, dist, openPage, screenshot, signInContext, toScreen, viewerTransform, withBrowser } from './browser.mjs';

const url = baseURL();
const LABELER = { email: 'labeler@aomas.local', password: 'aomas-demo-labeler' };
const REVIEWER = { email: 'ml_engineer@aomas.local', password: 'aomas-demo-ml_engineer' };

/** workRow waits for the "My work" row of a volume and returns it. */
async function workRow(page, volumeId, kind) {
  await page.goto(`${url}/#/work`, { waitUntil: 'domcontentloaded' });
  const row = page.locator(`[data-testid="my-work"] tr[data-volume="${volumeId}"][data-kind="${kind}"]`);
  await row.waitFor({ timeout: 30_000 });
  return row;
}

describe('work queues and review', () => {
  const journey = withBrowser();

  it('a labeler finds work in My work; a reviewer sees the diff and returns one region', async (t) => {
    const admin = await openPage(journey.browser, { viewport: { width: 1440, height: 900 } });
    const labeler = await openPage(journey.browser, { viewport: { width: 1440, height: 900 }, signIn: false });
    const reviewer = await openPage(journey.browser, { viewport: { width: 1440, height: 900 }, signIn: false });
    try {
      // A volume with a finished run (uploaded and run through the case page).
      const created = await createCase(url, { subjectCode: `E2E-REV-${Date.now().toString(36)}`, eye: 'OS', eccentricityDeg: 2 });
      await admin.page.goto(`${url}/#/cases/${encodeURIComponent(created.id)}`, { waitUntil: 'domcontentloaded' });
      const detail = admin.page.getByTestId('case-detail');
      await detail.getByText('No volumes yet').waitFor({ timeout: 30_000 });
      await dropFiles(admin.page, '[data-testid="upload-zone"]', [
        { name: 'phantom.tif', type: 'image/tiff', bytes: await phantomTIFF({ kind: 'cones', size: 256, seed: 21, frames: 4 }) },
      ]);
      const vrow = detail.locator('[data-testid="volume-row"][data-status="READY"]');
      await vrow.waitFor({ timeout: 60_000 });
      await vrow.getByRole('button', { name: 'Run' }).click();
      await vrow.getByTestId('open-viewer').waitFor({ timeout: 120_000 });
      const { case: c } = await gql(url, 'query($id: ID!) { case(id: $id) { volumes { id latestRun { modelPoints } } } }', { id: created.id });
      const volumeId = c.volumes[0].id;
      const model = csvPoints(c.volumes[0].latestRun.modelPoints);
      assert.ok(model.length > 20, `the model found ${model.length} cones`);

      // The technician's side (through the API here): assign it to the demo labeler.
      const { labelers } = await gql(url, '{ labelers { id displayName } }');
      const who = labelers.find((p) => p.displayName === 'Demo labeler');
      assert.ok(who, `the demo labeler is among ${JSON.stringify(labelers)}`);
      const a = await gql(url, 'mutation($v: ID!, $u: ID) { assignVolume(volumeId: $v, userId: $u) { assignee { id } } }', { v: volumeId, u: who.id });
      assert.equal(a.assignVolume.assignee.id, who.id);

      // The labeler: "My work" lists the volume, assigned to them; Open takes them to it.
      await signInContext(labeler.context, LABELER);
      let row = await workRow(labeler.page, volumeId, 'LABEL');
      assert.match(await row.textContent(), /Label.*not labelled yet.*Demo labeler/);
      t.diagnostic(`my work (labeler): ${await labeler.page.getByTestId('my-work-count').textContent()}; screenshot: ${await screenshot(labeler.page, 'review-my-work-labeler')}`);
      await row.getByRole('link', { name: 'Open' }).click();
      const page = labeler.page;
      await page.getByTestId('label-panel').waitFor({ timeout: 30_000 });
      await page.keyboard.press('0');
      const v = await viewerTransform(page);

      // Add a mark where there is none, move one model mark, delete another.
      await page.keyboard.press('p');
      let empty = null;
      for (let y = 30; y < 226 && !empty; y += 3) {
        for (let x = 150; x < 226 && !empty; x += 3) if (model.every((p) => dist(p, { x, y }) > 6)) empty = { x, y };
      }
      assert.ok(empty, 'a spot with no mark');
      let s = toScreen(v, empty);
      await page.mouse.click(s.x, s.y);
      const lone = model.filter((p) => model.every((q) => q === p || dist(p, q) >= 6));
      const [m1, m2] = lone.filter((p) => p.x > 150 && p.x < 226 && p.y > 30 && p.y < 226 && dist(p, empty) > 14);
      assert.ok(m1 && m2, 'two well-separated model marks');
      s = toScreen(v, m1);
      await page.mouse.move(s.x, s.y);
      await page.mouse.down();
      await page.mouse.move(s.x + 1.5 * v.scale, s.y + 1.5 * v.scale, { steps: 6 });
      await page.mouse.up();
      s = toScreen(v, m2);
      await page.mouse.click(s.x, s.y);
      await page.keyboard.press('Delete');
      await page.keyboard.press('Control+s');
      await page.waitForFunction(() => document.querySelector('[data-testid="label-status"]')?.dataset.version === '1');
      await page.getByRole('button', { name: 'Submit for review' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="label-status"]')?.dataset.state === 'IN_REVIEW');
      labeler.assertNoPageErrors();

      // The reviewer: "My work" lists it for review; the viewer shows the diff.
      await signInContext(reviewer.context, REVIEWER);
      row = await workRow(reviewer.page, volumeId, 'REVIEW');
      assert.match(await row.textContent(), /Review.*version 1 submitted/);
      t.diagnostic(`screenshot: ${await screenshot(reviewer.page, 'review-my-work-reviewer')}`);
      await row.getByRole('link', { name: 'Open' }).click();
      const rp = reviewer.page;
      const diff = rp.getByTestId('label-diff');
      await diff.waitFor({ timeout: 30_000 });
      const counts = Object.fromEntries(await Promise.all(['added', 'removed', 'moved'].map(async (k) => [k, Number(await diff.getAttribute(`data-${k}`))])));
      assert.deepEqual(counts, { added: 1, removed: 1, moved: 1 }, 'the deleted model mark shows as removed, not gone');
      const legend = await rp.locator('.viewer__legend').textContent();
      assert.match(legend, /added.*removed.*moved/);
      await rp.keyboard.press('0');
      const rv = await viewerTransform(rp);
      // Zoom onto the corrections for the screenshot, then back.
      t.diagnostic(`diff: ${await diff.textContent()}; screenshot: ${await screenshot(rp, 'review-diff')}`);

      // Return one region (a rectangle around the added mark) with a comment; accept the rest.
      await rp.getByTestId('draw-region').click();
      const r0 = toScreen(rv, { x: empty.x - 8, y: empty.y - 8 });
      const r1 = toScreen(rv, { x: empty.x + 8, y: empty.y + 8 });
      await rp.mouse.move(r0.x, r0.y);
      await rp.mouse.down();
      await rp.mouse.move(r1.x, r1.y, { steps: 8 });
      await rp.mouse.up();
      const pending = rp.getByTestId('pending-regions');
      await pending.waitFor();
      await pending.getByRole('textbox', { name: 'What to change in region 1' }).fill('this is a rod, not a cone');
      t.diagnostic(`screenshot: ${await screenshot(rp, 'review-region-drawn')}`);
      await rp.getByRole('button', { name: 'Return 1 region, accept the rest' }).click();
      await rp.waitForFunction(() => document.querySelector('[data-testid="label-status"]')?.dataset.state === 'RETURNED');
      const history = await rp.getByTestId('label-history').textContent();
      // Who: whatever the history calls the reviewer (an e-mail, or a name where e-mails are not shown).
      assert.match(history, /returned v1 by .+\(1 region returned\)/);
      assert.match(history, /\d{4}.*submitted v1/, 'history shows when');
      reviewer.assertNoPageErrors();

      // The labeler: the volume is back in "My work" as returned, and the region is outlined.
      row = await workRow(labeler.page, volumeId, 'RETURNED');
      assert.match(await row.textContent(), /Fix returned label.*1 region returned/);
      await row.getByRole('link', { name: 'Open' }).click();
      const open = labeler.page.getByTestId('label-open-regions');
      await open.waitFor({ timeout: 30_000 });
      assert.match(await open.textContent(), /this is a rod, not a cone/);
      assert.match(await labeler.page.locator('.viewer__legend').textContent(), /returned region/);
      t.diagnostic(`screenshot: ${await screenshot(labeler.page, 'review-returned-region')}`);
      labeler.assertNoPageErrors();
    } catch (err) {
      for (const [name, s] of [['admin', admin], ['labeler', labeler], ['reviewer', reviewer]]) {
        t.diagnostic(`screenshot of the failure (${name}): ${await screenshot(s.page, `review-failure-${name}`)}`);
      }
      throw err;
    } finally {
      await Promise.all([admin.close(), labeler.close(), reviewer.close()]);
    }
  });
});
