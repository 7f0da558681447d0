// Direct GraphQL calls for the journeys' set-up (creating cases and the like),
// and the phantom volumes the repository's binary writes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** apiToken is the admin's API token that scripts/e2e.sh made; its absence fails the journey. */
export function apiToken() {
  const token = process.env.AOMAS_E2E_TOKEN;
  if (!token) throw new Error('AOMAS_E2E_TOKEN is not set: run the journeys through scripts/e2e.sh (it makes the accounts)');
  return token;
}

/** gql posts one operation to the server under test and returns its data; GraphQL errors throw. */
export async function gql(baseURL, query, variables, token = apiToken()) {
  const res = await fetch(`${baseURL}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join('; ')}`);
  return body.data;
}

export async function createCase(baseURL, input) {
  const data = await gql(
    baseURL,
    'mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id subject { code } } } }',
    { input },
  );
  return data.createCase.case;
}

/** createCases makes n cases in batches of aliased mutations (one request per batch). */
export async function createCases(baseURL, n, make, batch = 200) {
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const vars = [];
    const fields = [];
    const variables = {};
    for (let k = 0; k < count; k++) {
      vars.push(`$i${k}: CreateCaseInput!`);
      fields.push(`c${k}: createCase(input: $i${k}) { case { id } }`);
      variables[`i${k}`] = make(start + k);
    }
    await gql(baseURL, `mutation(${vars.join(', ')}) { ${fields.join(' ')} }`, variables);
  }
}

/**
 * phantomTIFF runs `bin/aomas phantom` from the repository root and returns
 * the bytes of the TIFF it writes.
 */
export async function phantomTIFF({ kind = 'cones', size = 256, seed = 1, frames = 1 } = {}) {
  const bin = path.join(REPO_ROOT, 'bin', 'aomas');
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: build it first (make build) — the journeys need its phantom command`);
  }
  const out = await mkdtemp(path.join(os.tmpdir(), 'aomas-phantom-'));
  const args = ['phantom', '--kind', kind, '--size', String(size), '--seed', String(seed), '--out', out];
  if (frames > 1) args.push('--frames', String(frames));
  execFileSync(bin, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const file = path.join(out, 'image.tif');
  if (!existsSync(file)) throw new Error(`bin/aomas phantom wrote no ${file}`);
  return readFile(file);
}

/** csvPoints reads the points of a run's x,y CSV (modelPoints and the like; the header is skipped). */
export function csvPoints(csv) {
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number))
    .map(([x, y]) => ({ x, y }));
}

/**
 * uploadPhantomVolume writes a cone phantom with `bin phantom` and uploads its TIFF into the
 * case through uploadVolume (multipart, with the phantom's true pixel size); it returns the
 * volume ({ id, status, error }). GraphQL errors throw.
 */
export async function uploadPhantomVolume(
  baseURL,
  caseId,
  { bin = path.join(REPO_ROOT, 'bin', 'aomas'), size = 256, seed = 1, frames = 1, eccentricityDeg = 2 } = {},
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aomas-e2e-'));
  const args = ['phantom', '--kind', 'cones', '--size', String(size), '--seed', String(seed)];
  if (frames > 1) args.push('--frames', String(frames));
  execFileSync(bin, [...args, '--eccentricity-deg', String(eccentricityDeg), '--out', dir]);
  const tif = readdirSync(dir).find((f) => f.endsWith('.tif'));
  if (!tif) throw new Error(`${bin} phantom wrote no TIFF in ${dir}`);
  const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8'));
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation($f: Upload!, $in: UploadVolumeInput!) { uploadVolume(file: $f, input: $in) { volume { id status error } } }',
      variables: { f: null, in: { caseId, umPerPx: truth.umPerPx } },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([readFileSync(path.join(dir, tif))]), tif);
  const res = await fetch(`${baseURL}/graphql`, { method: 'POST', headers: { Authorization: `Bearer ${apiToken()}` }, body: form });
  const body = await res.json();
  if (body.errors?.length) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data.uploadVolume.volume;
}

/**
 * dropFiles drops files on the element matched by `selector`, as a person
 * dragging them from the desktop would: a drop event carrying a DataTransfer.
 */
export async function dropFiles(page, selector, files) {
  const payload = files.map((f) => ({ name: f.name, type: f.type ?? '', b64: Buffer.from(f.bytes).toString('base64') }));
  await page.evaluate(
    ({ selector, payload }) => {
      const el = document.querySelector(selector);
      if (!el) throw new Error(`no ${selector}`);
      const dt = new DataTransfer();
      for (const f of payload) {
        const bin = atob(f.b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        dt.items.add(new File([bytes], f.name, { type: f.type }));
      }
      for (const type of ['dragenter', 'dragover', 'drop']) {
        el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }
    },
    { selector, payload },
  );
}
