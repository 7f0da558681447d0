// Journey: signing in and out through the form. A wrong password is refused with the
// server's reason and no session; the right one opens the shell with the account's name
// and roles; a labeler sees cases but the subject's identity never reaches the page;
// Sign out returns to the form, and the old session cookie no longer works.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCase } from './api.mjs';
import { baseURL, openPage, screenshot, withBrowser } from './browser.mjs';

const url = baseURL();

describe('session', () => {
  const journey = withBrowser();

  it('refuses a wrong password, signs in a labeler, and signs out', async (t) => {
    const session = await openPage(journey.browser, { signIn: false });
    const { page, context } = session;
    try {
      await page.goto(`${url}/`, { waitUntil: 'domcontentloaded' });
      const form = page.getByTestId('login-form');
      await form.waitFor();
      await screenshot(page, 'session-login');

      await page.getByLabel('E-mail').fill('labeler@aomas.local');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = form.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.textContent(), /wrong e-mail or password/i);
      assert.equal((await context.cookies()).filter((c) => c.name === 'aomas_session').length, 0);

      await page.getByLabel('Password').fill('aomas-demo-labeler');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const badge = page.getByTestId('viewer-badge');
      await badge.waitFor();
      assert.match(await badge.textContent(), /Demo labeler/);
      assert.match(await badge.textContent(), /labeler/);
      const cookie = (await context.cookies()).find((c) => c.name === 'aomas_session');
      assert.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');

      // A labeler opens a case: its facts are there, the identity is nowhere.
      const created = await createCase(url, { subjectCode: `E2E-LAB-${Date.now().toString(36)}`, eye: 'OS', tags: ['e2e'] });
      await page.goto(`${url}/#/cases/${encodeURIComponent(created.id)}`, { waitUntil: 'domcontentloaded' });
      const detail = page.getByTestId('case-detail');
      await detail.getByText('No volumes yet').waitFor({ timeout: 30_000 });
      await screenshot(page, 'session-labeler-case');
      const identity = await page.evaluate(async () => {
        const res = await fetch('/graphql', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ query: '{ cases(first: 1) { edges { node { subject { code identity { patientName } } } } } }' }),
        });
        return res.json();
      });
      t.diagnostic(`labeler asking for identity: ${JSON.stringify(identity.errors?.[0]?.extensions)}`);
      assert.equal(identity.errors?.[0]?.extensions?.code, 'FORBIDDEN');

      await page.getByRole('menuitem', { name: 'File' }).click();
      await page.getByRole('menuitem', { name: 'Sign out' }).click();
      await page.getByTestId('login-form').waitFor();
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Cookie: `aomas_session=${cookie.value}` },
        body: JSON.stringify({ query: '{ me { roles } }' }),
      });
      const body = await res.json();
      assert.equal(body.data.me, null, 'the ended session signs no one in');
      session.assertNoPageErrors();
    } finally {
      await session.close();
    }
  });
});
