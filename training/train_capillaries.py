"""Trains the capillary vessel-probability network on capillary phantoms (truth: the tube of
each segment's diameter around its centre-line) and writes its probability maps for the
held-back phantoms, which `go run ./internal/trainprep capeval` scores beside DetectVessels.

    /usr/bin/python3 training/train_capillaries.py --seed 1
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import WORK, UNet, load_index, n_params, predict, seed_all, zscore

ARCH = dict(base=8, chans=(1, 2, 4, 8))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--out", default=os.path.join(WORK, "capillaries.pt"))
    a = ap.parse_args()
    seed_all(a.seed)
    train = load_index("capillaries/train.json")
    data = [(zscore(it["pix"]), it["target"]) for it in train]
    model = UNet(**ARCH)
    print(f"capillaries: {len(train)} phantoms; {n_params(model)} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.steps, pct_start=0.1)
    rng = np.random.default_rng(a.seed)
    t0, run = time.time(), 0.0
    model.train()
    for step in range(1, a.steps + 1):
        xs, ys = [], []
        for _ in range(a.batch):
            img, tgt = data[rng.integers(len(data))]
            h, w = img.shape
            y0, x0 = rng.integers(0, h - a.crop + 1), rng.integers(0, w - a.crop + 1)
            st = np.stack([img[y0:y0 + a.crop, x0:x0 + a.crop] * np.exp(rng.normal(0, 0.15)) + rng.normal(0, 0.15),
                           tgt[y0:y0 + a.crop, x0:x0 + a.crop]])
            k = int(rng.integers(8))
            if k >= 4:
                st = st[:, :, ::-1]
            st = np.rot90(st, k % 4, (1, 2))
            xs.append(st[0]); ys.append(st[1])
        x = torch.from_numpy(np.ascontiguousarray(np.stack(xs)[:, None], dtype=np.float32))
        y = torch.from_numpy(np.ascontiguousarray(np.stack(ys)[:, None], dtype=np.float32))
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        run = 0.98 * run + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 50 == 0 or step == a.steps:
            print(f"step {step}/{a.steps} loss {run:.4f} {time.time() - t0:.0f}s", flush=True)
    meta = dict(arch=ARCH, seed=a.seed, steps=a.steps, batch=a.batch, crop=a.crop, lr=a.lr,
                n_train_phantoms=len(train), seconds=time.time() - t0, threads=torch.get_num_threads())
    torch.save(dict(state=model.state_dict(), meta=meta), a.out)
    # probability maps of the held-back phantoms, for `prep capeval`
    model.eval()
    for it in load_index("capillaries/test.json"):
        prob = torch.sigmoid(torch.from_numpy(predict(model, zscore(it["pix"]))[0])).numpy().astype("<f4")
        prob.tofile(os.path.join(WORK, it["file"] + ".prob.f32"))
    print(json.dumps(meta), flush=True)


if __name__ == "__main__":
    main()
