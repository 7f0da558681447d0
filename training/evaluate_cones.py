"""Tunes the cone post-processing (threshold, NMS distance) on the TRAINING subjects, then
scores the validation subjects with the Cunefare et al. 2017 protocol (a port of
imaging.ScoreDetections) and measures the test-time-augmentation uncertainty. Writes
work/cones-<modality>.eval.json, which export.py copies into the model card.

    /usr/bin/python3 training/evaluate_cones.py --modality confocal
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from common import (WORK, UNet, auroc, bootstrap_ci, load_index, min_distance, peaks, predict,
                    score, seed_all, zscore)

THRESHOLDS = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
REL = [0.3, 0.4, 0.5, 0.6, 0.7]
MIN_PX = 2.0


def heatmaps(model, items):
    out = []
    for it in items:
        logits = predict(model, zscore(it["pix"]), tta=True)
        out.append(1 / (1 + np.exp(-logits)))  # [8, H, W]
    return out


def agreement(maps, pts, threshold, min_dist):
    """Per point: the fraction of the 8 augmented heat maps whose own peaks (same threshold and
    NMS) include one strictly closer than max(1.5, min_dist/2), as inference.Model.Cones does."""
    tol = max(1.5, min_dist / 2)
    ag = np.zeros(len(pts))
    for m in maps:
        found, _ = peaks(m, threshold, min_dist)
        if len(found) == 0 or len(pts) == 0:
            continue
        d = np.sqrt(((pts[:, None, :] - found[None, :, :]) ** 2).sum(-1)).min(1)
        ag += d < tol
    return ag / len(maps)


def detect(mean_map, it, post):
    return peaks(mean_map, post["threshold"], min_distance(post, it["spacingPx"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modality", choices=["confocal", "split"], required=True)
    ap.add_argument("--ckpt", default=None)
    a = ap.parse_args()
    seed_all(1)
    ck = torch.load(a.ckpt or os.path.join(WORK, f"cones-{a.modality}.pt"))
    meta = ck["meta"]
    model = UNet(**meta["arch"])
    model.load_state_dict(ck["state"])
    items = [it for it in load_index("real/index.json") if it["modality"] == a.modality]
    train = [it for it in items if it["subject"] in meta["train_subjects"]]
    val = [it for it in items if it["subject"] in meta["validation_subjects"]]
    t0 = time.time()
    # ---- tune on the training subjects (mean of the 8 TTA heat maps, as inference does)
    tmaps = [m.mean(0) for m in heatmaps(model, train)]
    best = None
    grid = []
    for th in THRESHOLDS:
        for rel in REL:
            post = dict(threshold=th, min_distance_rel_spacing=rel, min_distance_px=MIN_PX)
            d = np.mean([score(detect(m, it, post)[0], it["marks"], it["w"], it["h"])["dice"]
                         for m, it in zip(tmaps, train)])
            grid.append(dict(post=post, train_dice=float(d)))
            if best is None or d > best[0] + 1e-12:
                best = (d, post)
    post = best[1]
    print(f"tuned on {len(train)} training images: {post} train Dice {best[0]:.4f} ({time.time() - t0:.0f}s)", flush=True)
    # ---- validation subjects
    vmaps = heatmaps(model, val)
    per, unc, wrong = [], [], []
    per_single = []
    for maps, it in zip(vmaps, val):
        pts, _ = detect(maps.mean(0), it, post)
        s = score(pts, it["marks"], it["w"], it["h"])
        per.append(s)
        md = min_distance(post, it["spacingPx"])
        ag = agreement(maps, pts, post["threshold"], md)
        keep = s["det_in"]  # detections that count after the border rule (TP or FP)
        unc.extend((1 - ag)[keep]); wrong.extend((~s["det_ok"])[keep])
        p1, _ = detect(maps[0], it, post)
        per_single.append(score(p1, it["marks"], it["w"], it["h"])["dice"])
    unc, wrong = np.array(unc), np.array(wrong)
    metric = lambda k: dict(value=float(np.mean([s[k] for s in per])), ci95=bootstrap_ci([s[k] for s in per]))
    # rank by uncertainty, ties in a fixed random order (so a tied group counts at its mean)
    tie = np.random.default_rng(7).permutation(len(unc))
    order = np.lexsort((tie, -unc))
    n10 = max(1, int(round(0.1 * len(unc))))
    top = wrong[order[:n10]].mean()
    mid = wrong[order[len(unc) // 2 - n10 // 2: len(unc) // 2 + n10 // 2 + 1]].mean()
    res = dict(
        modality=a.modality, postprocess=post, tuning_grid=grid, train_dice=float(best[0]),
        validation=dict(dice=metric("dice"), sensitivity=metric("sensitivity"), fdr=metric("fdr"),
                        n_images=len(val), tta=True, dice_without_tta=float(np.mean(per_single))),
        uncertainty=dict(auroc=auroc(unc, wrong), n_marks=int(len(unc)), n_false=int(wrong.sum()),
                         top10_error_rate=float(top), median_decile_error_rate=float(mid)),
        meta=meta)
    print(json.dumps({k: v for k, v in res.items() if k not in ("tuning_grid", "meta")}, indent=1), flush=True)
    with open(os.path.join(WORK, f"cones-{a.modality}.eval.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
