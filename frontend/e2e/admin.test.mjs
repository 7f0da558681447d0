// Journey: the admin views. Members lists the demo accounts; granting a role shows up at
// once and revoking takes it away; the roles grid toggles a named permission (and the API
// honours it); the audit log shows the refusals, filtered. A labeler is told the page is
// not theirs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { baseURL, launchBrowser, openPage, screenshot, signInContext } from './browser.mjs';

const url = baseURL();

describe('admin', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  // First: its refusals are what the audit log shows below.
  it('tells a labeler the page is not theirs', async () => {
    const session = await openPage(browser, { signIn: false });
    try {
      await signInContext(session.context, { email: 'labeler@aomas.local', password: 'aomas-demo-labeler' });
      await session.page.goto(`${url}/#/admin`, { waitUntil: 'domcontentloaded' });
      await session.page.getByText('Only admins manage roles and read the audit log.').waitFor();
    } finally {
      await session.close();
    }
  });
  it('grants and revokes a role, toggles a permission and filters the audit log', async (t) => {
    const session = await openPage(browser, { viewport: { width: 1440, height: 900 } });
    const { page } = session;
    try {
      await page.goto(`${url}/#/admin`, { waitUntil: 'domcontentloaded' });
      const members = page.getByTestId('members-table');
      await members.waitFor();
      await members.locator('[data-email="labeler@aomas.local"]').first().waitFor();

      const grant = page.getByTestId('grant-form');
      await grant.getByLabel('E-mail').fill('researcher@aomas.local');
      await grant.getByLabel('Role').selectOption('tech');
      await grant.getByLabel('Project').fill('default');
      await grant.getByRole('button', { name: 'Grant' }).click();
      const granted = members.locator('[data-email="researcher@aomas.local"]', { hasText: 'tech' });
      await granted.waitFor();
      t.diagnostic(`screenshot: ${await screenshot(page, 'admin-members')}`);
      await granted.getByRole('button', { name: 'Revoke' }).click();
      await granted.waitFor({ state: 'detached' });

      await page.getByRole('tab', { name: 'Roles' }).click();
      const cell = page.locator('[data-coordinate="Query.metrics"] [data-role="labeler"]');
      await cell.waitFor();
      assert.equal(await cell.getAttribute('data-grant'), 'none');
      await cell.click();
      await page.waitForFunction(() => document.querySelector('[data-coordinate="Query.metrics"] [data-role="labeler"]')?.dataset.grant === 'named');
      t.diagnostic(`screenshot: ${await screenshot(page, 'admin-roles')}`);
      await cell.click();
      await page.waitForFunction(() => document.querySelector('[data-coordinate="Query.metrics"] [data-role="labeler"]')?.dataset.grant === 'none');

      await page.getByRole('tab', { name: 'Audit log' }).click();
      await page.getByTestId('audit-table').waitFor();
      await page.getByLabel('Outcome').selectOption('denied');
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('[data-testid="audit-row"]')];
        return rows.length > 0 && rows.every((r) => r.dataset.outcome === 'denied');
      });
      const first = await page.getByTestId('audit-row').first().textContent();
      t.diagnostic(`newest refusal: ${first}`);
      t.diagnostic(`screenshot: ${await screenshot(page, 'admin-audit')}`);
      session.assertNoPageErrors();
    } catch (err) {
      t.diagnostic(`screenshot of the failure: ${await screenshot(page, 'admin-failure')}`);
      const alerts = await page.getByRole('alert').allTextContents();
      throw new Error(`${err.message}\nalerts: ${JSON.stringify(alerts)}`, { cause: err });
    } finally {
      await session.close();
    }
  });

});
