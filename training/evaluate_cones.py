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

from common import (WORK, UNet, auroc, bootstrap_ci, candidates, load_index, min_distance, nms, peaks, predict,
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


def soft_agreement(maps, pts, min_dist):
    """Per point: the mean over the 8 augmented heat maps of each one's maximum within
    max(1.5, min_dist/2) of the point, i.e. each augmentation votes with its own peak height
    instead of a yes/no at the threshold."""
    tol = max(1.5, min_dist / 2)
    h, w = maps.shape[1:]
    r = int(np.ceil(tol))
    out = np.zeros(len(pts))
    for i, (x, y) in enumerate(pts):
        cx, cy = int(round(x)), int(round(y))
        x0, x1, y0, y1 = max(0, cx - r), min(w, cx + r + 1), max(0, cy - r), min(h, cy + r + 1)
        gy, gx = np.mgrid[y0:y1, x0:x1]
        disk = (gx - x) ** 2 + (gy - y) ** 2 < tol * tol
        if not disk.any():
            disk = (gx == cx) & (gy == cy)
        out[i] = maps[:, y0:y1, x0:x1][:, disk].max(1).mean()
    return out


def uncertainties(maps, pts, vals, post, md):
    """The per-mark uncertainty candidates: hard TTA agreement (the contract's), soft TTA
    agreement, and 1 - the mean map's peak."""
    return dict(hard=1 - agreement(maps, pts, post["threshold"], md), soft=1 - soft_agreement(maps, pts, md),
                peak=1 - vals)


def detect(mean_map, it, post):
    return peaks(mean_map, post["threshold"], min_distance(post, it["spacingPx"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modality", choices=["confocal", "split"], required=True)
    ap.add_argument("--ckpt", default=None)
    ap.add_argument("--limit", type=int, default=0, help="smoke test: only this many images per set")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    seed_all(1)
    ck = torch.load(a.ckpt or os.path.join(WORK, f"cones-{a.modality}.pt"))
    meta = ck["meta"]
    model = UNet(**meta["arch"])
    model.load_state_dict(ck["state"])
    items = [it for it in load_index("real/index.json") if it["modality"] == a.modality]
    train = [it for it in items if it["subject"] in meta["train_subjects"]]
    val = [it for it in items if it["subject"] in meta["validation_subjects"]]
    if a.limit:
        train, val = train[:a.limit], val[:a.limit]
    t0 = time.time()
    # ---- tune on the training subjects (mean of the 8 TTA heat maps, as inference does)
    tmaps = heatmaps(model, train)
    tcands = [candidates(m.mean(0), min(THRESHOLDS)) for m in tmaps]
    print(f"training-subject heat maps ({time.time() - t0:.0f}s)", flush=True)
    best = None
    grid = []
    for th in THRESHOLDS:
        for rel in REL:
            post = dict(threshold=th, min_distance_rel_spacing=rel, min_distance_px=MIN_PX)
            d = np.mean([score(nms(c[0], c[1], min_distance(post, it["spacingPx"]), th)[0], it["marks"], it["w"], it["h"])["dice"]
                         for c, it in zip(tcands, train)])
            grid.append(dict(post=post, train_dice=float(d)))
            if best is None or d > best[0] + 1e-12:
                best = (d, post)
    post = best[1]
    print(f"tuned on {len(train)} training images: {post} train Dice {best[0]:.4f} ({time.time() - t0:.0f}s)", flush=True)
    # uncertainty candidates on the training subjects (the definition is chosen here, not on validation)
    tu, tw = {}, []
    for maps, it in zip(tmaps, train):
        md = min_distance(post, it["spacingPx"])
        pts, vals = detect(maps.mean(0), it, post)
        s = score(pts, it["marks"], it["w"], it["h"])
        for k, v in uncertainties(maps, pts, vals, post, md).items():
            tu.setdefault(k, []).extend(v[s["det_in"]])
        tw.extend((~s["det_ok"])[s["det_in"]])
    train_unc = {k: dict(auroc=auroc(v, tw)) for k, v in tu.items()}
    train_unc["n_false"] = int(np.sum(tw))
    print("training-subject uncertainty AUROC:", train_unc, flush=True)
    # ---- validation subjects
    vmaps = heatmaps(model, val)
    per, uncs, wrong = [], {}, []
    per_single = []
    for maps, it in zip(vmaps, val):
        pts, vals = detect(maps.mean(0), it, post)
        s = score(pts, it["marks"], it["w"], it["h"])
        per.append(s)
        md = min_distance(post, it["spacingPx"])
        keep = s["det_in"]  # detections that count after the border rule (TP or FP)
        for k, v in uncertainties(maps, pts, vals, post, md).items():
            uncs.setdefault(k, []).extend(v[keep])
        wrong.extend((~s["det_ok"])[keep])
        p1, _ = detect(maps[0], it, post)
        per_single.append(score(p1, it["marks"], it["w"], it["h"])["dice"])
    wrong = np.array(wrong)
    metric = lambda k: dict(value=float(np.mean([s[k] for s in per])), ci95=bootstrap_ci([s[k] for s in per]))
    def deciles(unc):
        # rank by uncertainty, ties in a fixed random order (so a tied group counts at its mean)
        unc = np.asarray(unc)
        tie = np.random.default_rng(7).permutation(len(unc))
        order = np.lexsort((tie, -unc))
        n10 = max(1, len(unc) // 10)
        mid = len(unc) // 2
        return float(wrong[order[:n10]].mean()), float(wrong[order[mid - n10 // 2: mid - n10 // 2 + n10]].mean())
    val_unc = {}
    for k, v in uncs.items():
        top, med = deciles(v)
        val_unc[k] = dict(auroc=auroc(v, wrong), top10_error_rate=top, median_decile_error_rate=med)
    res = dict(
        modality=a.modality, postprocess=post, tuning_grid=grid, train_dice=float(best[0]),
        validation=dict(dice=metric("dice"), sensitivity=metric("sensitivity"), fdr=metric("fdr"),
                        n_images=len(val), tta=True, dice_without_tta=float(np.mean(per_single))),
        uncertainty=dict(definitions_train=train_unc, validation=val_unc, n_marks=int(len(wrong)),
                         n_false=int(wrong.sum())),
        meta=meta)
    print(json.dumps({k: v for k, v in res.items() if k not in ("tuning_grid", "meta")}, indent=1), flush=True)
    with open(a.out or os.path.join(WORK, f"cones-{a.modality}.eval.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
