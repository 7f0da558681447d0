// Journey: the retinal layers of an OCT volume in the viewer. A phantom OCT volume is
// uploaded; its run's layers-step outputs are stored the way the worker stores them (object
// storage under the step's prefix, an artifacts row per object): the boundaries as CSV
// (bscan,x,layer,z) from the phantom's truth, the retina's thickness map, a photoreceptor
// slab image. A labeler opens the viewer, sees the B-scan with its boundaries, steps the
// slider (and the [ ] keys), switches the main view to the slab, shows the thickness map with
// its colour scale, drags a control point of the ILM and saves; after a reload the correction
// is there, and the layers label's history says what changed.
//
// Until the OCT pipeline's layers and slabs steps run on the worker, this journey stores
// their outputs itself (storeArtifact); once they do, start a run instead and drop it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { apiToken, createCase, gql, REPO_ROOT } from './api.mjs';
import { baseURL, openPage, screenshot, withBrowser } from './browser.mjs';

const url = baseURL();
const LABELER = { email: 'labeler@aomas.local', password: 'aomas-demo-labeler' };
// AOMAS_E2E_OCT_SEEDED=1 stores the layers step's outputs here instead of running the OCT
// pipeline (a build without it, or to look at the viewer alone).
const SEEDED = process.env.AOMAS_E2E_OCT_SEEDED === '1';

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the journeys through scripts/e2e.sh (make test)`);
  return v;
}

function sql(statement) {
  return execFileSync('psql', [env('AOMAS_DATABASE_URL'), '-qtAc', statement], { encoding: 'utf8' }).trim();
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const hmac = (k, s) => createHmac('sha256', k).update(s).digest();

/** s3Put stores body under key in the server's bucket (AWS Signature V4, path style), as the worker's storage does. */
async function s3Put(key, body, contentType) {
  const host = env('AOMAS_S3_ENDPOINT');
  const bucket = process.env.AOMAS_S3_BUCKET ?? 'aomas';
  const region = process.env.AOMAS_S3_REGION ?? 'us-east-1';
  const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const payload = sha256(body);
  const uri = `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const headers = { 'content-type': contentType, host, 'x-amz-content-sha256': payload, 'x-amz-date': amzDate };
  const names = Object.keys(headers).sort();
  const canonical = ['PUT', uri, '', names.map((h) => `${h}:${headers[h]}\n`).join(''), names.join(';'), payload].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let k = hmac(`AWS4${env('AOMAS_S3_SECRET_KEY')}`, day);
  for (const part of [region, 's3', 'aws4_request']) k = hmac(k, part);
  const signature = createHmac('sha256', k).update(toSign).digest('hex');
  // fetch sets Host itself (the same host:port); it is signed above all the same.
  const sent = Object.fromEntries(Object.entries(headers).filter(([h]) => h !== 'host'));
  const res = await fetch(`http://${host}${uri}`, {
    method: 'PUT',
    body,
    headers: { ...sent, authorization: `AWS4-HMAC-SHA256 Credential=${env('AOMAS_S3_ACCESS_KEY')}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` },
  });
  if (!res.ok) throw new Error(`S3 PUT ${key}: HTTP ${res.status} ${await res.text()}`);
}

/** storeArtifact stores one output of run's step as the worker does: runs/<run>/<step>/<hash16>/<name>, recorded with its digest. */
async function storeArtifact(run, step, name, contentType, kind, body) {
  const digest = sha256(body);
  const key = `runs/${run}/${step}/${digest.slice(0, 16)}/${name}`;
  await s3Put(key, body, contentType);
  sql(`INSERT INTO artifacts (object_key, size_bytes, sha256, content_type, run_id, step, kind)
       VALUES ('${key}', ${body.length}, '${digest}', '${contentType}', ${run}, '${step}', '${kind}')`);
}

// The phantom's layers (truth.json) at the boundaries the layers step names.
const BOUNDARIES = [
  ['ILM', 'RNFL', 'z0'],
  ['NFL_GCL', 'RNFL', 'z1'],
  ['IPL_INL', 'IPL', 'z1'],
  ['OPL_ONL', 'OPL', 'z1'],
  ['ELM', 'ELM', 'z0'],
  ['ISOS', 'IS/OS', 'z0'],
  ['COST', 'COST', 'z0'],
  ['RPE_BM', 'RPE', 'z1'],
];

/** surfaceOffset is imaging.VolumeTruth.SurfaceOffset: how much deeper every layer lies at (x, y). */
function surfaceOffset(t, x, y, w, h) {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const rx = (x - cx) / Math.max(cx, 1);
  const ry = (y - cy) / Math.max(cy, 1);
  return (t.tiltVox * (x - cx)) / Math.max(w - 1, 1) + (t.curvatureVox * (rx * rx + ry * ry)) / 2;
}

describe('retinal layers in the viewer', () => {
  const journey = withBrowser();
  const fx = {};

  before(async () => {
    // A phantom OCT volume: one TIFF page per depth, B-scans along y.
    const size = 96;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aomas-oct-'));
    execFileSync(path.join(REPO_ROOT, 'bin', 'aomas'), ['phantom', '--kind', 'volume', '--size', String(size), '--seed', '7', '--out', dir]);
    const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8'));
    const created = await createCase(url, { subjectCode: `E2E-OCT-${Date.now().toString(36)}`, eye: 'OD', eccentricityDeg: 2 });
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation($f: Upload!, $in: UploadVolumeInput!) { uploadVolume(file: $f, input: $in) { volume { id status error dims { x y z } } } }',
        variables: { f: null, in: { caseId: created.id, umPerPx: 1 } },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([readFileSync(path.join(dir, 'image.tif'))]), 'oct.tif');
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { Authorization: `Bearer ${apiToken()}` }, body: form });
    const body = await res.json();
    if (body.errors?.length) throw new Error(`upload: ${JSON.stringify(body.errors)}`);
    const vol = body.data.uploadVolume.volume;
    assert.equal(vol.status, 'READY', vol.error ?? '');
    const { x: X, y: Y, z: Z } = vol.dims;
    const volumeRow = Number(Buffer.from(vol.id, 'base64url').toString().split(':')[1]);
    assert.ok(volumeRow > 0, `volume id ${vol.id}`);

    // The boundaries' truth: the phantom's layers_truth.csv where it writes one (the layers
    // CSV format itself), else its layers' depths (truth.json) with their tilt and curvature.
    const truthCsv = path.join(dir, 'layers_truth.csv');
    let depth;
    if (existsSync(truthCsv)) {
      const table = new Map();
      for (const line of readFileSync(truthCsv, 'utf8').trim().split('\n').slice(1)) {
        const [b, x, n, z] = line.split(',');
        table.set(`${b},${x},${n}`, Number(z));
      }
      depth = (b, x, i) => table.get(`${b},${x},${BOUNDARIES[i][0]}`) ?? null;
    } else {
      const layer = (name) => truth.layers.find((l) => l.name === name);
      depth = (b, x, i) => {
        const [, from, edge] = BOUNDARIES[i];
        return layer(from)[edge] + surfaceOffset(truth, x, b, X, Y);
      };
    }
    const centre = (i) => depth(Math.floor(Y / 2), Math.floor(X / 2), i);
    if (!SEEDED) {
      // The real pipeline: the phantom's depth planes say nothing of their kind; the run states it.
      const started = await gql(url, 'mutation($v: ID!, $p: String) { startRun(input: {volumeId: $v, params: $p}) { id } }', {
        v: vol.id,
        p: JSON.stringify({ volumeKind: 'OCT_VOLUME', eccentricityDeg: 2 }),
      });
      const id = started.startRun.id;
      const t0 = Date.now();
      let status = '';
      while (Date.now() - t0 < 300_000) {
        const d = await gql(url, 'query($id: ID!) { run(id: $id) { status steps { name status } } }', { id });
        status = d.run.status;
        if (status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELED') break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.equal(status, 'SUCCEEDED', `the OCT run ended ${status}`);
      Object.assign(fx, { volumeId: vol.id, X, Y, Z, truth, depth, runId: id, runMs: Date.now() - t0 });
      return;
    }
    const slabs = [
      { name: 'photoreceptor', top: 'ISOS', topOffsetPx: -1, bottom: 'COST', bottomOffsetPx: 1, mode: 'mean' },
      { name: 'svp', top: 'ILM', bottom: 'IPL_INL', mode: 'max' },
    ];
    const run = Number(
      sql(`INSERT INTO runs (volume_id, status, params, started_at, finished_at)
           VALUES (${volumeRow}, 'SUCCEEDED', '${JSON.stringify({ slabs })}', now(), now()) RETURNING id`).split('\n')[0],
    );
    const rows = ['bscan,x,layer,z'];
    for (let b = 0; b < Y; b++) {
      for (let x = 0; x < X; x++) {
        BOUNDARIES.forEach(([n], i) => {
          const z = depth(b, x, i);
          if (z !== null) rows.push(`${b},${x},${n},${z.toFixed(2)}`);
        });
      }
    }
    await storeArtifact(run, 'layers', 'layers.csv', 'text/csv', 'layers', Buffer.from(rows.join('\n') + '\n'));
    // The retina's thickness (ILM to RPE/BM) per 8-px cell, in depth pixels (voxels), as the step stores it.
    const cell = 8;
    const cols = Math.ceil(X / cell);
    const grows = Math.ceil(Y / cell);
    const values = [];
    for (let r = 0; r < grows; r++) for (let c = 0; c < cols; c++) values.push(depth(r * cell, c * cell, 7) - depth(r * cell, c * cell, 0));
    await storeArtifact(run, 'layers', 'thickness-TOTAL.json', 'application/json', 'thickness:TOTAL', Buffer.from(JSON.stringify({ cellPx: cell, cols, rows: grows, values })));
    // En-face planes of the volume stand in for the projections: the photoreceptor slab at the
    // IS/OS depth, and the preprocessed image at the ganglion-cell layer.
    const plane = async (z) => {
      const d = await gql(url, 'query($id: ID!, $z: Int!) { volume(id: $id) { slice(axis: Z, index: $z) { png } } }', { id: vol.id, z });
      return Buffer.from(d.volume.slice.png.replace(/^data:image\/png;base64,/, ''), 'base64');
    };
    const isos = Math.round(centre(5) + 2);
    await storeArtifact(run, 'layers', 'slab-photoreceptor.png', 'image/png', 'slab-preview:photoreceptor', await plane(isos));
    await storeArtifact(run, 'preprocess', 'preview.png', 'image/png', 'preview', await plane(Math.round((centre(1) + centre(2)) / 2)));
    Object.assign(fx, { volumeId: vol.id, X, Y, Z, truth, depth, run });
  });

  it('shows the B-scan with its boundaries, steps through B-scans, switches slab, overlays thickness, and keeps a saved correction', async (t) => {
    const session = await openPage(journey.browser, { viewport: { width: 1440, height: 960 }, signIn: LABELER });
    const { page } = session;
    try {
      await page.goto(`${url}/#/viewer/${encodeURIComponent(fx.volumeId)}`, { waitUntil: 'domcontentloaded' });
      const panel = page.getByTestId('layers-panel');
      await panel.waitFor({ timeout: 30_000 });
      const canvas = page.getByTestId('bscan-canvas');
      const mid = Math.floor(fx.Y / 2);
      await page.locator(`[data-testid="bscan-canvas"][data-bscan="${mid}"]`).waitFor({ timeout: 20_000 });
      assert.equal(await canvas.getAttribute('data-layers'), '8', 'all eight boundaries on the B-scan');
      assert.equal(await page.getByTestId('bscan-index').textContent(), `${mid + 1}/${fx.Y}`);
      const legend = page.getByTestId('bscan-legend');
      for (const [n] of BOUNDARIES) assert.match(await legend.textContent(), new RegExp(n));
      t.diagnostic(`screenshot: ${await screenshot(page, 'layers-bscan')}`);

      // The slider, and ] / [ from the page.
      const slider = page.getByTestId('bscan-slider');
      await slider.focus();
      await page.keyboard.press('ArrowRight');
      await page.locator(`[data-testid="bscan-canvas"][data-bscan="${mid + 1}"]`).waitFor();
      await slider.fill('10');
      await page.locator('[data-testid="bscan-canvas"][data-bscan="10"]').waitFor();
      await page.getByTestId('viewer-canvas').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press(']');
      await page.keyboard.press(']');
      await page.locator('[data-testid="bscan-canvas"][data-bscan="12"]').waitFor();
      assert.equal(await page.getByTestId('bscan-index').textContent(), `13/${fx.Y}`);

      // The slab picker: the main view shows the chosen slab (a slab without an image says so).
      if (fx.runMs) t.diagnostic(`the OCT run (layers, slabs, cones, capillaries, fibres, metrics) took ${fx.runMs} ms`);
      const picker = page.getByTestId('slab-picker');
      await picker.selectOption('svp');
      if (SEEDED) {
        assert.match(await page.getByTestId('slab-note').textContent(), /ILM … IPL_INL · max.*image is missing/);
        await picker.selectOption('photoreceptor');
        await page.getByTestId('viewer-slab').waitFor();
        assert.match(await page.getByTestId('slab-note').textContent(), /ISOS −1 px … COST \+1 px · mean/);
      } else {
        await page.getByTestId('viewer-slab').waitFor();
        assert.match(await page.getByTestId('slab-note').textContent(), /svp: NFL_GCL \+1 px … NFL_GCL \+6 px · mean/);
        t.diagnostic(`screenshot: ${await screenshot(page, 'layers-slab-svp')}`);
        await picker.selectOption('photoreceptor');
        await page.waitForFunction(() => /slab photoreceptor/.test(document.querySelector('[data-testid="viewer-slab"]')?.textContent ?? ''));
        assert.match(await page.getByTestId('slab-note').textContent(), /photoreceptor: ISOS( [−+]\d+ px)? … COST( [−+]\d+ px)? · mean/);
      }
      t.diagnostic(`screenshot: ${await screenshot(page, 'layers-slab')}`);

      // The thickness map over the main view, with its colour scale in µm or px (never guessed).
      await page.getByTestId('thickness-picker').selectOption('TOTAL');
      const scale = page.getByTestId('legend-thickness');
      await scale.waitFor();
      const spacing = (await gql(url, 'query($id: ID!) { volume(id: $id) { spacingUm { z } } }', { id: fx.volumeId })).volume.spacingUm.z;
      assert.match(await scale.textContent(), spacing ? /Thickness TOTAL\s*µm/ : /Thickness TOTAL\s*px/);
      t.diagnostic(`thickness colour scale: ${await scale.getAttribute('aria-label')} (depth spacing ${spacing ?? 'unknown'})`);
      t.diagnostic(`screenshot: ${await screenshot(page, 'layers-thickness')}`);

      // Correct the ILM on B-scan 12: drag its middle control point 6 px deeper, save.
      await panel.getByRole('button', { name: /^ILM/ }).click();
      await page.getByTestId('bscan-correct').click();
      const handles = JSON.parse(await canvas.getAttribute('data-handles'));
      assert.ok(handles.length >= 4, `control points: ${handles.length}`);
      const box = await canvas.boundingBox();
      const k = Math.floor(handles.length / 2);
      const [hx, hy] = handles[k];
      const before = JSON.parse(await canvas.getAttribute('data-handles'));
      await page.mouse.move(box.x + hx, box.y + hy);
      await page.mouse.down();
      await page.mouse.move(box.x + hx, box.y + hy + 12, { steps: 6 });
      await page.mouse.move(box.x + hx, box.y + hy + 24, { steps: 6 });
      await page.mouse.up();
      const after = JSON.parse(await canvas.getAttribute('data-handles'));
      assert.ok(after[k][1] > before[k][1] + 10, `the point moved down: ${before[k][1]} → ${after[k][1]}`);
      assert.equal(after[k][0], before[k][0], 'x never moves');
      assert.equal(await page.getByTestId('bscan-status').getAttribute('data-dirty'), 'true');
      t.diagnostic(`screenshot: ${await screenshot(page, 'layers-dragged')}`);
      await page.getByTestId('bscan-save').click();
      await page.locator('[data-testid="bscan-status"][data-version="1"]').waitFor();
      assert.match(await page.getByTestId('bscan-status').textContent(), /version 1: ILM on B-scan 12 corrected/);

      // What was saved, through the API: the dragged point is deeper than the model's ILM there.
      const d = await gql(url, 'query($id: ID!) { volume(id: $id) { layerCorrections(bscan: 12) { layer points { x z } } labels { kind version } } }', { id: fx.volumeId });
      const corr = d.volume.layerCorrections;
      assert.equal(corr.length, 1);
      assert.equal(corr[0].layer, 'ILM');
      const p = corr[0].points[k];
      const model = fx.depth(12, p.x, 0);
      assert.ok(p.z > model + 2, `saved z ${p.z} vs the model's ${model.toFixed(2)}`);
      assert.deepEqual(d.volume.labels.filter((l) => l.kind === 'layers').map((l) => l.version), [1]);

      // Reload: the correction is there (drawn over the model's dashed ILM), on B-scan 12 only.
      await page.reload({ waitUntil: 'domcontentloaded' });
      await panel.waitFor({ timeout: 30_000 });
      await page.getByTestId('bscan-slider').fill('12');
      await page.locator('[data-testid="bscan-canvas"][data-bscan="12"]').waitFor();
      await page.locator('[data-testid="bscan-status"][data-version="1"]').waitFor();
      assert.match(await legend.getByRole('button', { name: /^ILM/ }).textContent(), /✎/);
      await page.getByTestId('bscan-correct').click();
      const reloaded = JSON.parse(await canvas.getAttribute('data-handles'));
      assert.equal(reloaded.length, after.length);
      assert.ok(Math.abs(reloaded[k][1] - after[k][1]) < 1.5, `the saved point is where it was dropped: ${after[k][1]} vs ${reloaded[k][1]}`);
      t.diagnostic(`screenshot: ${await screenshot(page, 'layers-reloaded')}`);
      await page.keyboard.press('Escape');
      await page.getByTestId('bscan-correct').waitFor();
      await page.getByTestId('bscan-slider').fill('13');
      await page.locator('[data-testid="bscan-canvas"][data-bscan="13"]').waitFor();
      assert.doesNotMatch(await legend.textContent(), /✎/, 'no correction on B-scan 13');
      session.assertNoPageErrors();
    } finally {
      await session.close();
    }
  });
});
