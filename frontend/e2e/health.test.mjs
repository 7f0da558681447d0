// Journey 1: the shell comes up against a real aomas and reports every
// backing service healthy; the theme toggle and the shortcut overlay work.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseURL, screenshot, withBrowser } from './browser.mjs';

const SERVICES = ['postgres', 'redis', 'objectStorage'];

// Read at load time so that a missing AOMAS_E2E_URL fails this file outright.
const url = baseURL();

describe('shell health', () => {
  const journey = withBrowser({});

  it('shows all three services healthy in the status bar', async (t) => {
    const { page } = journey.session;
    await page.goto(`${url}/`, { waitUntil: 'domcontentloaded' });

    try {
      await page.waitForFunction(
        (names) => names.every((n) => document.querySelector(`[data-testid="status-${n}"]`)?.getAttribute('data-ok') === 'true'),
        SERVICES,
        { timeout: 20_000 },
      );
    } catch (err) {
      await screenshot(page, 'shell-unhealthy');
      const states = await page.evaluate((names) =>
        names.map((n) => {
          const el = document.querySelector(`[data-testid="status-${n}"]`);
          return `${n}: data-ok=${el?.getAttribute('data-ok')} title=${el?.getAttribute('title')}`;
        }).concat(document.querySelector('[data-testid="status-api"]')?.getAttribute('title') ?? []),
      SERVICES);
      throw new Error(`services not all healthy within 20 s:\n  ${states.join('\n  ')}`, { cause: err });
    }

    for (const name of SERVICES) {
      assert.equal(await page.getAttribute(`[data-testid="status-${name}"]`, 'data-ok'), 'true', name);
    }
    assert.equal(await page.locator('[data-testid="status-api"]').count(), 0, 'no "API unreachable" badge');
    assert.equal(await page.locator('h1').textContent(), 'System');
    await page.getByText('All services operational').waitFor();

    const file = await screenshot(page, 'shell-healthy');
    t.diagnostic(`screenshot: ${file}`);
    t.diagnostic(`health transport: ${await page.textContent('[data-testid="status-transport"]')}`);
  });

  it('switches to the dark theme from the View menu', async (t) => {
    const { page } = journey.session;
    const themeOf = () => page.evaluate(() => document.documentElement.dataset.theme);
    assert.equal(await themeOf(), 'light');

    await page.getByRole('menuitem', { name: 'View' }).click();
    await page.getByRole('menuitemcheckbox', { name: /Dark theme/ }).click();
    assert.equal(await themeOf(), 'dark');
    assert.equal(await page.getByRole('menu').count(), 0, 'menu closed after choosing');

    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 150, `dark background expected, got ${bg}`);

    const file = await screenshot(page, 'shell-dark');
    t.diagnostic(`screenshot: ${file}`);

    await page.keyboard.press('Control+Shift+L');
    assert.equal(await themeOf(), 'light');
    await page.keyboard.press('Control+Shift+L');
    assert.equal(await themeOf(), 'dark');
    await page.reload({ waitUntil: 'domcontentloaded' });
    assert.equal(await themeOf(), 'dark', 'theme remembered across reloads');
  });

  it('opens the keyboard-shortcut overlay with ? and closes it with Escape', async (t) => {
    const { page } = journey.session;
    await page.locator('h1').click();
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    assert.ok(await dialog.getByText('Show keyboard shortcuts').isVisible());

    const file = await screenshot(page, 'shortcuts-dark');
    t.diagnostic(`screenshot: ${file}`);

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('navigates with the keyboard to the Models page, which lists the shipped networks', async () => {
    const { page } = journey.session;
    await page.keyboard.press('g');
    await page.keyboard.press('m');
    // Serve registers the networks shipped in internal/models/ at start, so the registry is never empty.
    await page.getByText('cones-confocal', { exact: false }).first().waitFor();
    assert.match(page.url(), /#\/models$/);
  });

  it('shows the server build in Help ▸ About', async () => {
    const { page } = journey.session;
    await page.getByRole('menuitem', { name: 'Help' }).click();
    await page.getByRole('menuitem', { name: 'About aomas' }).click();
    const server = page.getByTestId('about-server');
    await page.waitForFunction(() => {
      const t = document.querySelector('[data-testid="about-server"]')?.textContent ?? '…';
      return t !== '…';
    });
    const text = await server.textContent();
    assert.doesNotMatch(text, /unavailable/, `version query failed: ${text}`);
    assert.match(text, /\(\S+, go[\d.]+/, `expected "<version> (<commit>, go…)", got ${text}`);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('raised no uncaught errors in the page', () => {
    journey.session.assertNoPageErrors();
  });
});
