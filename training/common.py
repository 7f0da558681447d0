"""Shared pieces of the aomas training scripts: data loading (from `prep data`), the network,
heat-map targets, the dihedral augmentations, the cone post-processing of the model card and
an exact port of imaging.ScoreDetections (Cunefare et al. 2017 protocol)."""
import json
import math
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.environ.get("AOMAS_TRAIN_WORK", os.path.join(HERE, "work"))
MODELS = os.path.join(os.path.dirname(HERE), "internal", "models")


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(int(os.environ.get("AOMAS_TRAIN_THREADS", "2")))
    torch.use_deterministic_algorithms(True)


def load_index(rel):
    with open(os.path.join(WORK, rel)) as f:
        items = json.load(f)
    for it in items:
        it["pix"] = np.fromfile(os.path.join(WORK, it["file"]), dtype="<f4").reshape(it["h"], it["w"])
        if it.get("mask"):
            it["target"] = np.fromfile(os.path.join(WORK, it["mask"]), dtype="<f4").reshape(it["h"], it["w"])
        it["marks"] = np.asarray(it.get("marks") or [], dtype=np.float64).reshape(-1, 2)
    return items


def zscore(x):
    """The card's normalisation: per image (x - mean) / (std + 1e-6)."""
    x = x.astype(np.float32)
    return (x - x.mean()) / (x.std() + 1e-6)


def split_subjects(subjects, n_val, seed):
    """Deterministic split by subject: sorted, shuffled by the seed, the first n_val validate."""
    s = sorted(set(subjects))
    random.Random(seed).shuffle(s)
    return sorted(s[n_val:]), sorted(s[:n_val])


# ---------------------------------------------------------------- network

class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.net(x)


class UNet(nn.Module):
    """A 3-level U-Net (input side a multiple of 8); `sigmoid` puts the output in [0, 1]
    inside the graph, as the model card requires."""

    def __init__(self, base=16, chans=(1, 2, 4, 4), sigmoid=False):
        super().__init__()
        c = [base * k for k in chans]
        self.sigmoid = sigmoid
        self.e0 = Block(1, c[0])
        self.e1 = Block(c[0], c[1])
        self.e2 = Block(c[1], c[2])
        self.b = Block(c[2], c[3])
        self.d2 = Block(c[3] + c[2], c[2])
        self.d1 = Block(c[2] + c[1], c[1])
        self.d0 = Block(c[1] + c[0], c[0])
        self.head = nn.Conv2d(c[0], 1, 1)

    def forward(self, x):
        x0 = self.e0(x)
        x1 = self.e1(F.max_pool2d(x0, 2))
        x2 = self.e2(F.max_pool2d(x1, 2))
        b = self.b(F.max_pool2d(x2, 2))
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="nearest")
        y = self.d2(torch.cat([up(b), x2], 1))
        y = self.d1(torch.cat([up(y), x1], 1))
        y = self.d0(torch.cat([up(y), x0], 1))
        y = self.head(y)
        return torch.sigmoid(y) if self.sigmoid else y


def n_params(m):
    return sum(p.numel() for p in m.parameters())


# ---------------------------------------------------------------- augmentation (D4)

def d4(x, k):
    """The k-th of the 8 flips/rotations of the last two axes (k in 0..7)."""
    if k >= 4:
        x = x.flip(-1) if torch.is_tensor(x) else x[..., ::-1]
    r = k % 4
    return torch.rot90(x, r, (-2, -1)) if torch.is_tensor(x) else np.rot90(x, r, (-2, -1))


def d4_inv(x, k):
    r = k % 4
    x = torch.rot90(x, -r, (-2, -1)) if torch.is_tensor(x) else np.rot90(x, -r, (-2, -1))
    if k >= 4:
        x = x.flip(-1) if torch.is_tensor(x) else x[..., ::-1]
    return x


def pad_to(x, m=8):
    """Reflect-pads a [N,C,H,W] tensor so H and W are multiples of m; returns it and (h, w)."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % m, (-w) % m
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="reflect")
    return x, (h, w)


@torch.no_grad()
def predict(model, img, tta=False):
    """Heat maps of one image (already z-scored), [8 or 1, H, W] numpy."""
    model.eval()
    t = torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32))[None, None]
    ks = range(8) if tta else [0]
    outs = []
    for k in ks:
        x, (h, w) = pad_to(d4(t, k).contiguous())
        y = model(x)[..., :h, :w]
        outs.append(d4_inv(y, k)[0, 0].numpy())
    return np.stack(outs)


# ---------------------------------------------------------------- targets

def heat_target(marks, h, w, sigma):
    """Gaussian blobs (peak 1, max over cones) at 0-based marks."""
    t = np.zeros((h, w), np.float32)
    rad = int(math.ceil(3 * sigma))
    for x, y in marks:
        if not (-0.5 <= x <= w - 0.5 and -0.5 <= y <= h - 0.5):
            continue
        x0, x1 = max(0, int(x) - rad), min(w - 1, int(x) + rad + 1)
        y0, y1 = max(0, int(y) - rad), min(h - 1, int(y) + rad + 1)
        if x1 < x0 or y1 < y0:
            continue
        xs = np.arange(x0, x1 + 1) - x
        ys = np.arange(y0, y1 + 1) - y
        g = np.exp(-(ys[:, None] ** 2 + xs[None, :] ** 2) / (2 * sigma * sigma)).astype(np.float32)
        np.maximum(t[y0:y1 + 1, x0:x1 + 1], g, out=t[y0:y1 + 1, x0:x1 + 1])
    return t


def median_nn(marks):
    if len(marks) < 2:
        return float("nan")
    d = np.sqrt(((marks[:, None, :] - marks[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    return float(np.median(d.min(1)))


# ---------------------------------------------------------------- post-processing (model card)

def candidates(heat, threshold):
    """Local maxima (3x3: no neighbour higher) at or above threshold, strongest first, each at
    the 3x3 centroid of the heat map: ([N,2] (x, y), values)."""
    h, w = heat.shape
    p = np.pad(heat, 1, mode="constant", constant_values=-np.inf)
    c = p[1:-1, 1:-1]
    ismax = c >= threshold
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dx or dy:
                ismax &= c >= p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
    ys, xs = np.nonzero(ismax)
    v = heat[ys, xs]
    order = np.argsort(-v, kind="stable")
    ys, xs, v = ys[order], xs[order], v[order]
    z = np.pad(np.maximum(heat, 0).astype(np.float64), 1)  # zero outside = "inside the image" rule
    sx = np.zeros(len(xs)); sy = np.zeros(len(xs)); sw = np.zeros(len(xs))
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            val = z[ys + 1 + dy, xs + 1 + dx]
            sx += val * (xs + dx); sy += val * (ys + dy); sw += val
    ok = sw > 0
    px = np.where(ok, sx / np.where(ok, sw, 1), xs)
    py = np.where(ok, sy / np.where(ok, sw, 1), ys)
    return np.stack([px, py], 1).reshape(-1, 2), v.astype(np.float64)


def nms(pts, vals, min_dist, threshold=None):
    """Greedy suppression, strongest first, of points closer than min_dist to a kept one
    (optionally only those with vals >= threshold)."""
    if threshold is not None:
        sel = vals >= threshold
        pts, vals = pts[sel], vals[sel]
    n = len(pts)
    if n == 0 or min_dist <= 0:
        return pts, vals
    d2 = ((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1)
    close = d2 < min_dist * min_dist
    alive = np.ones(n, bool)
    keep = np.zeros(n, bool)
    for i in range(n):
        if alive[i]:
            keep[i] = True
            alive &= ~close[i]
    return pts[keep], vals[keep]


def peaks(heat, threshold, min_dist):
    """The card's cone post-processing (as inference.Model.Cones): local maxima at or above
    threshold, greedy NMS at min_dist strongest first, 3x3 centroid refinement."""
    pts, vals = candidates(heat, threshold)
    return nms(pts, vals, min_dist)


def min_distance(post, spacing):
    return max(post["min_distance_px"], post["min_distance_rel_spacing"] * spacing)


# ---------------------------------------------------------------- scoring (port of imaging.ScoreDetections)

def score(det, manual, w, h, border=7.0):
    det = np.asarray(det, dtype=np.float64).reshape(-1, 2)
    manual = np.asarray(manual, dtype=np.float64).reshape(-1, 2)
    radius = 0.75 * median_nn(manual)
    nm, nd = len(manual), len(det)
    claim = -np.ones(nm, dtype=int)
    claim_d = np.full(nm, np.inf)
    if nd:
        d = np.sqrt(((manual[:, None, :] - det[None, :, :]) ** 2).sum(-1))
        claim = d.argmin(1)
        claim_d = d[np.arange(nm), claim]
        claim[claim_d > radius] = -1
    owner = -np.ones(nd, dtype=int)
    for i in range(nm):
        j = claim[i]
        if j < 0:
            continue
        o = owner[j]
        if o < 0 or claim_d[i] < claim_d[o]:
            owner[j] = i
    b = border - 0.5

    def inside(p):
        return p[0] > b and p[0] < w - border - 0.5 and p[1] > b and p[1] < h - border - 0.5

    tp = fp = fn = 0
    matched = np.zeros(nm, bool)
    det_ok = np.zeros(nd, bool)  # per detection: matched (for uncertainty evaluation)
    det_in = np.zeros(nd, bool)
    for j in range(nd):
        i = owner[j]
        det_in[j] = inside(det[j])
        if i < 0:
            if det_in[j]:
                fp += 1
            continue
        matched[i] = True
        det_ok[j] = True
        if det_in[j] and inside(manual[i]):
            tp += 1
        else:
            det_in[j] = False  # dropped pair
    for i in range(nm):
        if not matched[i] and inside(manual[i]):
            fn += 1
    r = lambda a, c: a / c if c else 0.0
    return dict(tp=tp, fp=fp, fn=fn, sensitivity=r(tp, tp + fn), fdr=r(fp, tp + fp),
                dice=r(2 * tp, 2 * tp + fp + fn), det_ok=det_ok, det_in=det_in)


def bootstrap_ci(values, n=2000, seed=1):
    v = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(n, len(v)))].mean(1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def auroc(scores, labels):
    """P(score of a positive > score of a negative), ties counted half."""
    s = np.asarray(scores, float)
    y = np.asarray(labels, bool)
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    allv = np.concatenate([pos, neg])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv))
    sv = allv[order]
    i = 0
    while i < len(sv):
        j = i
        while j + 1 < len(sv) and sv[j + 1] == sv[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    rp = ranks[:len(pos)].sum()
    return float((rp - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))
