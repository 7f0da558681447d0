// Journey: the admin views. Members lists the demo accounts; granting a role shows up at
// once and revoking takes it away; the roles grid toggles a named permission (and the API
// honours it); the audit log shows the refusals, filtered. A labeler is told the page is
// not theirs (it is not offered, and its address points to their work).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseURL, openPage, screenshot, signInContext, withBrowser } from './browser.mjs';

const url = baseURL();

describe('admin', () => {
  const journey = withBrowser();

  // First: its refusals are what the audit log shows below.
  it('tells a labeler the page is not theirs', async () => {
    const session = await openPage(journey.browser, { signIn: false });
    try {
      await signInContext(session.context, { email: 'labeler@aomas.local', password: 'aomas-demo-labeler' });
      await session.page.goto(`${url}/#/admin`, { waitUntil: 'domcontentloaded' });
      // The shell offers no Admin page to a labeler; opened by its address it points to their work.
      await session.page.getByTestId('not-yours').getByText('Admin is not part of your role (labeler)').waitFor();
      // The API still refuses them (and records it), whatever the page shows.
      const csrf = (await session.context.cookies()).find((c) => c.name === 'aomas_csrf')?.value ?? '';
      const res = await session.context.request.post(`${url}/graphql`, {
        headers: { 'X-CSRF-Token': csrf },
        data: { query: '{ auditLog(first: 1) { id } }' },
      });
      assert.equal((await res.json()).errors?.[0]?.extensions?.code, 'FORBIDDEN');
    } finally {
      await session.close();
    }
  });
  it('grants and revokes a role, toggles a permission and filters the audit log', async (t) => {
    const session = await openPage(journey.browser, { viewport: { width: 1440, height: 900 } });
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


  it('switches projects: each shows its own cases', async (t) => {
    const session = await openPage(journey.browser, { viewport: { width: 1440, height: 900 } });
    const { page } = session;
    try {
      await page.goto(`${url}/#/cases`, { waitUntil: 'domcontentloaded' });
      await page.getByTestId('viewer-badge').waitFor();
      // A case in project "eyes", made through the browser's own session.
      const code = `E2E-EYES-${Date.now().toString(36)}`;
      const made = await page.evaluate(async (code) => {
        const csrf = decodeURIComponent(document.cookie.match(/aomas_csrf=([^;]+)/)[1]);
        const res = await fetch('/graphql', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'X-Aomas-Project': 'eyes' },
          body: JSON.stringify({ query: `mutation { createCase(input: {subjectCode: "${code}", eye: OS}) { case { id } } }` }),
        });
        return res.json();
      }, code);
      assert.equal(made.errors, undefined, JSON.stringify(made.errors));
      await page.reload({ waitUntil: 'domcontentloaded' });
      const switcher = page.getByTestId('project-switcher');
      await switcher.waitFor();
      await switcher.selectOption('eyes');
      await page.waitForLoadState('domcontentloaded');
      await page.getByTestId('status-role').filter({ hasText: 'in eyes' }).waitFor();
      const rows = page.locator('[data-testid="case-row"]');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 1, 'project eyes holds one case');
      assert.match(await rows.first().textContent(), new RegExp(code));
      t.diagnostic(`screenshot: ${await screenshot(page, 'admin-project-eyes')}`);
      await page.getByTestId('project-switcher').selectOption('default');
      await page.getByTestId('status-role').filter({ hasText: 'in default' }).waitFor();
      session.assertNoPageErrors();
    } finally {
      await session.close();
    }
  });
});
