// Shared setup for the browser journeys: Debian's chromium driven by
// playwright-core (no downloaded browsers), the base URL of a running aomas
// from AOMAS_E2E_URL, and a page that records every uncaught page error.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.AOMAS_E2E_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const SCREENSHOT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

/**
 * baseURL is the aomas server under test. Its absence is a failure, never a
 * skip: these journeys exist to prove the real server works.
 */
export function baseURL() {
  const url = process.env.AOMAS_E2E_URL;
  if (!url) {
    throw new Error(
      'AOMAS_E2E_URL is not set: point it at a running `aomas serve` (e.g. AOMAS_E2E_URL=http://127.0.0.1:8080 npm run e2e)',
    );
  }
  return url.replace(/\/+$/, '');
}

/** launchBrowser starts headless chromium. */
export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * withBrowser registers, in the enclosing describe, a before hook that launches chromium
 * (and, given pageOptions — {} for openPage's defaults — opens a page with openPage) and an after hook that closes them.
 * The object it returns holds browser (and session) once the before hook has run.
 */
export function withBrowser(pageOptions) {
  const journey = { browser: undefined, session: undefined };
  before(async () => {
    journey.browser = await launchBrowser();
    if (pageOptions) journey.session = await openPage(journey.browser, pageOptions);
  });
  after(async () => {
    await journey.session?.close();
    await journey.browser?.close();
  });
  return journey;
}

/**
 * openPage opens a fresh context and page on `browser`. pageErrors collects
 * uncaught exceptions and unhandled rejections in the page; consoleErrors
 * collects console.error output (diagnostic: the browser also logs failed
 * network requests there). Call assertNoPageErrors before closing. signIn is true (the demo
 * admin, see credentials), false, or the { email, password } to sign in with.
 */
export async function openPage(
  browser,
  { viewport = { width: 1280, height: 800 }, colorScheme = 'light', signIn = true } = {},
) {
  const context = await browser.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
  if (signIn) await signInContext(context, signIn === true ? credentials() : signIn);
  const page = await context.newPage();
  const pageErrors = [];
  const consoleErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`${msg.text()} (${msg.location().url ?? ''})`);
  });
  page.setDefaultTimeout(10_000);

  function assertNoPageErrors() {
    if (pageErrors.length > 0) {
      const detail = pageErrors.map((e) => `  ${e.stack ?? e.message}`).join('\n');
      throw new Error(`uncaught error(s) in the page:\n${detail}`);
    }
  }

  return { context, page, pageErrors, consoleErrors, assertNoPageErrors, close: () => context.close() };
}

/** credentials are the demo admin's, which scripts/e2e.sh makes. */
export function credentials() {
  const email = process.env.AOMAS_E2E_EMAIL;
  const password = process.env.AOMAS_E2E_PASSWORD;
  if (!email || !password) {
    throw new Error('AOMAS_E2E_EMAIL / AOMAS_E2E_PASSWORD are not set: run the journeys through scripts/e2e.sh');
  }
  return { email, password };
}

/**
 * signInContext starts a session for the context's pages the way the sign-in form does
 * (POST /auth/login); the journey of the form itself is in session.test.mjs.
 */
export async function signInContext(context, creds = credentials()) {
  const res = await context.request.post(`${baseURL()}/auth/login`, { data: creds });
  if (!res.ok()) throw new Error(`sign-in as ${creds.email} failed: HTTP ${res.status()} ${await res.text()}`);
}

/** screenshot saves a full-page PNG under e2e/screenshots/ and returns its path. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** settleViewer waits until the viewer's view stops animating. */
export const settleViewer = (page) => page.waitForFunction(() => !window.__aomasViewer?.animating);

/** viewerTransform reads the canvas transform the workspace publishes once a view change settles. */
export async function viewerTransform(page) {
  await settleViewer(page);
  await page.waitForTimeout(250); // the view is reported a moment after it changes
  const stage = page.locator('.viewer__stage');
  const box = await page.getByTestId('viewer-canvas').boundingBox();
  const [scale, tx, ty] = await Promise.all(['scale', 'tx', 'ty'].map((k) => stage.getAttribute(`data-view-${k}`)));
  return { box, scale: Number(scale), tx: Number(tx), ty: Number(ty) };
}

/** toScreen maps image point p to page coordinates under viewerTransform v. */
export const toScreen = (v, p) => ({ x: v.box.x + v.tx + p.x * v.scale, y: v.box.y + v.ty + p.y * v.scale });

/** dist is the Euclidean distance between two points. */
export const dist = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * filterCases opens the Cases page, filters it by subject code and waits until the case with
 * id caseId is the only row (the filter is debounced: until it applies, the unfiltered list
 * can re-render under the pointer).
 */
export async function filterCases(page, code, caseId) {
  await page.goto(`${baseURL()}/#/cases`, { waitUntil: 'domcontentloaded' });
  await page.getByLabel('Filter by subject code').fill(code);
  await page.waitForFunction(
    (id) => {
      const rows = document.querySelectorAll('[data-testid="case-row"]');
      return rows.length === 1 && rows[0].dataset.caseId === id;
    },
    caseId,
    { timeout: 30_000 },
  );
}
