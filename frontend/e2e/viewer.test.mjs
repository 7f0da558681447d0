// Journey: the Viewer opens the client-generated demo mosaic (4096×4096,
// 50,000 marks), pans smoothly (frame times measured while dragging), and
// edits marks with the engine's tools, undo and redo.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseURL, screenshot, settleViewer, withBrowser } from './browser.mjs';
import { startFrameClock, stopFrameClock, summarise } from './perf.mjs';

const url = baseURL();

/** dragFor drags the mouse back and forth across the canvas for `ms` milliseconds. */
async function dragFor(page, box, ms) {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const t0 = Date.now();
  let k = 0;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  while (Date.now() - t0 < ms) {
    const a = (k++ / 60) * Math.PI * 2;
    await page.mouse.move(cx + Math.cos(a) * box.width * 0.3, cy + Math.sin(a * 2) * box.height * 0.25);
  }
  await page.mouse.up();
  return k;
}

describe('viewer', () => {
  const journey = withBrowser({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });

  it('opens the labelled demo mosaic with 50,000 marks', async (t) => {
    const { page } = journey.session;
    const t0 = Date.now();
    await page.goto(`${url}/#/viewer`, { waitUntil: 'domcontentloaded' });
    await page.getByTestId('demo-badge').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => window.__aomasViewer?.firstImageAt !== undefined);
    const first = await page.evaluate(() => Math.round(window.__aomasViewer.firstImageAt));
    const gen = await page.evaluate(() => document.querySelector('.viewer__status')?.lastElementChild?.textContent);
    t.diagnostic(`demo mosaic first frame ${first} ms after navigation start (${gen}; ${Date.now() - t0} ms wall)`);
    assert.match(await page.getByTestId('demo-badge').textContent(), /demo mosaic/);
    assert.match(await page.getByTestId('viewer-counts').textContent(), /48,000 model · 2,000 human/);
    assert.match(await page.getByTestId('scale-bar').textContent(), /µm|mm/);
    t.diagnostic(`screenshot: ${await screenshot(page, 'viewer-fit')}`);
  });

  for (const [name, prep] of [
    ['fit (all 50,000 marks in view)', async () => {}],
    ['100% zoom', async (page) => page.keyboard.press('1')],
  ]) {
    it(`pans at ${name} with short frames`, async (t) => {
      const { page } = journey.session;
      await page.keyboard.press('0');
      await prep(page);
      await settleViewer(page);
      const box = await page.getByTestId('viewer-canvas').boundingBox();
      await page.waitForTimeout(200);
      await startFrameClock(page);
      const moves = await dragFor(page, box, 2_000);
      const { intervals, draws } = await stopFrameClock(page);
      const frames = summarise(intervals);
      const draw = summarise(draws);
      t.diagnostic(`pan @ ${name}: ${moves} pointer moves; frame interval ms median ${frames.median} p95 ${frames.p95} max ${frames.max} (n=${frames.n}); draw ms median ${draw.median} p95 ${draw.p95} (n=${draw.n})`);
      assert.ok(frames.n >= 20, `too few frames: ${frames.n}`);
      assert.ok(draw.n >= 10, `the view barely redrew: ${draw.n} draws`);
      // Draw and frame times are reported above, never asserted: tests do not time.
    });
  }

  it('adds, moves and deletes a mark, with undo and redo', async (t) => {
    const { page } = journey.session;
    const counts = () => page.getByTestId('viewer-counts').textContent();
    await page.keyboard.press('0');
    await page.keyboard.press('1');
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await settleViewer(page);
    await page.keyboard.press('p');
    assert.equal(await page.getByTestId('viewer-tool').textContent(), 'Cone mark');
    const box = await page.getByTestId('viewer-canvas').boundingBox();
    // Add at the centre; if that press landed on an existing mark it only selected it, so try
    // a little way off.
    let x = box.x + box.width / 2;
    let y = box.y + box.height / 2;
    const before = await counts();
    await page.mouse.click(x, y);
    if ((await counts()) === before) {
      x += 3;
      y += 37;
      await page.mouse.click(x, y);
    }
    const hist = () => page.getByTestId('viewer-history').textContent();
    assert.match(await counts(), /48,000 model · 2,001 human/);
    // Move it by dragging, then delete it (it stays selected).
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + 20, y + 10, { steps: 4 });
    await page.mouse.up();
    assert.match(await hist(), /history 2\/2 · last: Move mark/);
    await page.keyboard.press('Delete');
    assert.match(await counts(), /2,000 human/);
    assert.match(await hist(), /history 3\/3 · last: Delete mark/);
    // Undo all three, then redo all three.
    for (const expected of [/2,001 human/, /2,001 human/, /2,000 human/]) {
      await page.keyboard.press('Control+z');
      assert.match(await counts(), expected, await hist());
    }
    assert.match(await hist(), /history 0\/3/);
    await page.keyboard.press('Control+Shift+Z');
    await page.keyboard.press('Control+Shift+Z');
    assert.match(await counts(), /2,001 human/);
    assert.match(await hist(), /history 2\/3 · last: Move mark/);
    t.diagnostic(`screenshot: ${await screenshot(page, 'viewer-edit')}`);
    await page.keyboard.press('Control+Shift+Z');
    assert.match(await counts(), /2,000 human/);

  });

  it('jumps to the most uncertain region and shows the heat map', async (t) => {
    const { page } = journey.session;
    await page.keyboard.press('0');
    await page.keyboard.press('u');
    await page.keyboard.press('n');
    await settleViewer(page);
    await page.getByTestId('viewer-region').waitFor();
    assert.match(await page.getByTestId('viewer-region').textContent(), /region 1\/256/);
    t.diagnostic(`screenshot: ${await screenshot(page, 'viewer-uncertain')}`);
    await page.keyboard.press('u');
    await page.keyboard.press('0');
    await settleViewer(page);
    await page.keyboard.press('d');
    assert.match(await page.getByTestId('density-whole').textContent(), /\/mm² \(95% CI/);
    t.diagnostic(`density: ${await page.getByTestId('density-whole').textContent()}`);
    t.diagnostic(`screenshot: ${await screenshot(page, 'viewer-density')}`);
    await page.keyboard.press('d');
    // The nerve-fibre orientation: the demo's synthetic arcuate field.
    await page.keyboard.press('f');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    t.diagnostic(`screenshot: ${await screenshot(page, 'viewer-fibres')}`);
    await page.keyboard.press('f');
  });

  it('draws a vessel line, a region and a brush stroke, and box-selects marks', async (t) => {
    const { page } = journey.session;
    const status = () => page.getByTestId('viewer-status').textContent();
    await page.keyboard.press('0');
    await page.keyboard.press('1');
    await settleViewer(page);
    const box = await page.getByTestId('viewer-canvas').boundingBox();
    const at = (fx, fy) => [box.x + box.width * fx, box.y + box.height * fy];

    await page.keyboard.press('l');
    for (const [fx, fy] of [[0.2, 0.2], [0.35, 0.3], [0.5, 0.25]]) await page.mouse.click(...at(fx, fy));
    await page.keyboard.press('Enter');
    assert.match(await status(), /1 vessel lines/);

    await page.keyboard.press('r');
    for (const [fx, fy] of [[0.6, 0.2], [0.85, 0.25], [0.8, 0.6], [0.6, 0.2]]) await page.mouse.click(...at(fx, fy));
    assert.match(await status(), /1 regions/);

    await page.keyboard.press('b');
    await page.mouse.move(...at(0.2, 0.7));
    await page.mouse.down();
    await page.mouse.move(...at(0.5, 0.8), { steps: 10 });
    await page.mouse.up();
    assert.doesNotMatch(await status(), /mask 0\.0000 mm²/);

    await page.keyboard.press('v');
    await page.mouse.move(...at(0.3, 0.4));
    await page.mouse.down();
    await page.mouse.move(...at(0.45, 0.55), { steps: 5 });
    await page.mouse.up();
    const selected = Number((await page.getByTestId('viewer-selection').textContent()).replace(/\D/g, ''));
    assert.ok(selected > 10, `box-select picked ${selected}`);
    t.diagnostic(`box-selected ${selected} marks`);
    t.diagnostic(`screenshot: ${await screenshot(page, 'viewer-tools')}`);
    await page.keyboard.press('Delete');
    assert.match(await page.getByTestId('viewer-selection').textContent(), /^0 selected/);
    await page.keyboard.press('Control+z');
    assert.match(await page.getByTestId('viewer-history').textContent(), /last: Brush/);
  });

  it('shows the Voronoi cells coloured by sides, with the share of six-sided cells', async (t) => {
    const { page } = journey.session;
    await page.keyboard.press('h');
    await page.keyboard.press('0');
    await settleViewer(page);
    const t0 = Date.now();
    await page.keyboard.press('o');
    const whole = page.getByTestId('voronoi-whole');
    await whole.waitFor({ timeout: 15_000 });
    // Two frames: the cells are drawn (the texture of all cells is built on the first).
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const shown = Date.now() - t0;
    assert.match(await whole.textContent(), /^[\d.]+% six-sided · mean area [\d.]+ µm² \(n=[\d,]+\)$/);
    const took = await page.locator('.voronoi-summary h2 span').textContent();
    t.diagnostic(`voronoi, whole image: ${await whole.textContent()} (${took}; on screen ${shown} ms after O)`);
    t.diagnostic(`screenshot: ${await screenshot(page, 'viewer-voronoi-fit')}`);
    // Zoomed out the cells come from one texture, zoomed in as vectors: frame times while panning each.
    for (const [name, keys] of [['fit', []], ['100%', ['1']]]) {
      for (const k of keys) await page.keyboard.press(k);
      await settleViewer(page);
      await startFrameClock(page);
      await dragFor(page, await page.getByTestId('viewer-canvas').boundingBox(), 1500);
      const { intervals, draws } = await stopFrameClock(page);
      const frames = summarise(intervals);
      const draw = summarise(draws);
      t.diagnostic(`pan @ ${name} with the Voronoi cells shown: frame interval ms median ${frames.median} p95 ${frames.p95}; draw ms median ${draw.median} p95 ${draw.p95} (n=${draw.n})`);
      assert.ok(draw.n >= 10, `the view barely redrew: ${draw.n} draws`);
    }
    await page.keyboard.press('+');
    await settleViewer(page);
    assert.match(await page.getByTestId('voronoi-view').textContent(), /six-sided/);
    t.diagnostic(`voronoi, in view: ${await page.getByTestId('voronoi-view').textContent()}`);
    t.diagnostic(`screenshot: ${await screenshot(page, 'viewer-voronoi')}`);
    await page.keyboard.press('o');
    assert.equal(await page.getByTestId('voronoi-summary').count(), 0);
  });

  it('docks panels where the user drags them, remembers it, and resets', async (t) => {
    const { page } = journey.session;
    const groupOf = (id) =>
      page.evaluate((id) => {
        const tab = document.querySelector(`[data-testid="dock-tab-${id}"]`);
        const group = tab?.closest('.dv-groupview');
        return group ? [...group.querySelectorAll('[data-testid^="dock-tab-"]')].map((e) => e.dataset.testid.slice(9)) : null;
      }, id);
    assert.deepEqual(await groupOf('metrics'), ['metrics'], 'metrics starts in its own panel');
    // Drag the Metrics tab onto the Image tab: it becomes a second tab of the image's group.
    await page.getByTestId('dock-tab-metrics').dragTo(page.getByTestId('dock-tab-image'));
    await page.waitForFunction(() => document.querySelector('[data-testid="dock-tab-metrics"]')?.closest('.dv-groupview')?.querySelector('[data-testid="dock-tab-image"]'));
    assert.deepEqual((await groupOf('image')).sort(), ['image', 'metrics']);
    t.diagnostic(`screenshot: ${await screenshot(page, 'viewer-docked')}`);
    // The layout is remembered across a reload.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.getByTestId('dock-tab-image').waitFor({ timeout: 30_000 });
    assert.deepEqual((await groupOf('image')).sort(), ['image', 'metrics']);
    // The dragged tab is the group's active one: the image is a click away.
    await page.getByTestId('dock-tab-image').click();
    await page.getByTestId('demo-badge').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Reset layout' }).click();
    assert.deepEqual(await groupOf('metrics'), ['metrics']);
    assert.deepEqual(await groupOf('image'), ['image']);
  });

  it('raised no uncaught errors in the page', () => {
    journey.session.assertNoPageErrors();
  });
});
