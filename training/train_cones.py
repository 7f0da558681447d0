"""Trains one cone-centre heat-map network (one per modality) on the real AOSLO images of
the training subjects, plus cone phantoms for the confocal model.

    /usr/bin/python3 training/train_cones.py --modality confocal --seed 1
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import (WORK, UNet, heat_target, load_index, median_nn, n_params, seed_all,
                    split_subjects, zscore)

ARCH = dict(base=8, chans=(1, 2, 4, 8))
N_VAL = {"confocal": 2, "split": 2}
PHANTOM_P = {"confocal": 0.1, "split": 0.0}
BORDER_IGNORE = 3  # px of each image edge left out of the loss (edge-clamped marks)


def sigma_for(marks):
    nn_ = median_nn(marks)
    return float(np.clip(0.18 * nn_, 1.0, 3.0)) if np.isfinite(nn_) else 1.5


def prepare(items):
    out = []
    for it in items:
        h, w = it["pix"].shape
        valid = np.zeros((h, w), np.float32)
        valid[BORDER_IGNORE:h - BORDER_IGNORE, BORDER_IGNORE:w - BORDER_IGNORE] = 1
        out.append(dict(img=zscore(it["pix"]), heat=heat_target(it["marks"], h, w, sigma_for(it["marks"])),
                        valid=valid, area=h * w))
    return out


def sampler(data, phantoms, p_phantom, batch, crop, rng):
    wts = np.array([d["area"] for d in data], float)
    wts /= wts.sum()
    while True:
        xs, ys, ms = [], [], []
        for _ in range(batch):
            pool = phantoms if (phantoms and rng.random() < p_phantom) else None
            d = pool[rng.integers(len(pool))] if pool else data[rng.choice(len(data), p=wts)]
            h, w = d["img"].shape
            y0, x0 = rng.integers(0, h - crop + 1), rng.integers(0, w - crop + 1)
            k = int(rng.integers(8))
            sl = (slice(y0, y0 + crop), slice(x0, x0 + crop))
            img = d["img"][sl]
            # intensity jitter on the z-scored image: contrast, offset, gamma-like bend, noise
            a = np.exp(rng.normal(0, 0.15))
            img = img * a + rng.normal(0, 0.15)
            if rng.random() < 0.3:
                img = img + rng.normal(0, rng.uniform(0.05, 0.3), img.shape)
            stack = np.stack([img, d["heat"][sl], d["valid"][sl]]).astype(np.float32)
            if k >= 4:
                stack = stack[:, :, ::-1]
            stack = np.rot90(stack, k % 4, (1, 2))
            xs.append(stack[0]); ys.append(stack[1]); ms.append(stack[2])
        f = lambda a: torch.from_numpy(np.ascontiguousarray(np.stack(a)[:, None]))
        yield f(xs), f(ys), f(ms)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modality", choices=["confocal", "split"], required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    seed_all(a.seed)
    out = a.out or os.path.join(WORK, f"cones-{a.modality}.pt")
    items = [it for it in load_index("real/index.json") if it["modality"] == a.modality]
    train_s, val_s = split_subjects([it["subject"] for it in items], N_VAL[a.modality], a.seed)
    train = [it for it in items if it["subject"] in train_s]
    phantoms = prepare(load_index("cones/index.json")) if PHANTOM_P[a.modality] > 0 else []
    data = prepare(train)
    model = UNet(**ARCH)
    print(f"{a.modality}: {len(train)} training images of subjects {train_s}; validation subjects {val_s}; "
          f"{len(phantoms)} phantoms; {n_params(model)} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.steps, pct_start=0.1)
    rng = np.random.default_rng(a.seed)
    it = sampler(data, phantoms, PHANTOM_P[a.modality], a.batch, a.crop, rng)
    t0, run = time.time(), 0.0
    model.train()
    for step in range(1, a.steps + 1):
        x, y, m = next(it)
        logit = model(x)
        loss = (F.binary_cross_entropy_with_logits(logit, y, reduction="none") * m).sum() / m.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        run = 0.98 * run + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 50 == 0 or step == a.steps:
            print(f"step {step}/{a.steps} loss {run:.4f} {time.time() - t0:.0f}s", flush=True)
        if step % 200 == 0 or step == a.steps:
            meta = dict(modality=a.modality, arch=ARCH, seed=a.seed, steps=step, planned_steps=a.steps,
                        batch=a.batch, crop=a.crop, lr=a.lr, train_subjects=train_s, validation_subjects=val_s,
                        n_train_images=len(train), n_phantoms=len(phantoms), phantom_p=PHANTOM_P[a.modality],
                        seconds=time.time() - t0, threads=torch.get_num_threads())
            torch.save(dict(state=model.state_dict(), meta=meta), out + ".tmp")
            os.replace(out + ".tmp", out)
    print(json.dumps(meta), flush=True)


if __name__ == "__main__":
    main()
