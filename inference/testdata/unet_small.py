#!/usr/bin/env python3
"""The small U-Net the inference tests and the CPU/GPU benchmarks use until the trained models
ship: the architecture of training/ (16 base channels, 3 levels, ~117 k parameters), random
weights from a fixed seed.

  unet_small.py export DIR      write DIR/unet-small.{onnx,card.json,fixture.json}
  unet_small.py bench ...       PyTorch eager images/s (see --help)
  unet_small.py run IN OUT      raw forward pass on a float32 file (agreement checks)
"""
import argparse
import hashlib
import json
import sys
import time

import torch
from torch import nn


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True))


class UNetSmall(nn.Module):
    def __init__(self, base=16):
        super().__init__()
        self.e1, self.e2, self.b = block(1, base), block(base, 2 * base), block(2 * base, 4 * base)
        self.pool = nn.MaxPool2d(2)
        self.u2 = nn.ConvTranspose2d(4 * base, 2 * base, 2, stride=2)
        self.d2 = block(4 * base, 2 * base)
        self.u1 = nn.ConvTranspose2d(2 * base, base, 2, stride=2)
        self.d1 = block(2 * base, base)
        self.head = nn.Conv2d(base, 1, 1)

    def forward(self, x):
        e1 = self.e1(x)
        e2 = self.e2(self.pool(e1))
        b = self.b(self.pool(e2))
        d2 = self.d2(torch.cat([self.u2(b), e2], 1))
        d1 = self.d1(torch.cat([self.u1(d2), e1], 1))
        return torch.sigmoid(self.head(d1))


def build(seed=0):
    torch.manual_seed(seed)
    return UNetSmall().eval()


def export(out):
    model = build()
    x = torch.randn(1, 1, 64, 64, generator=torch.Generator().manual_seed(1))
    torch.onnx.export(model, x, f"{out}/unet-small.onnx", opset_version=17,
                      input_names=["image"], output_names=["heatmap"],
                      dynamic_axes={"image": {0: "n", 2: "h", 3: "w"}, "heatmap": {0: "n", 2: "h", 3: "w"}})
    with torch.no_grad():
        y = model(x)
    fix = {"input": {"shape": list(x.shape), "data": [float(v) for v in x.flatten().tolist()]},
           "output": {"shape": list(y.shape), "data": [float(v) for v in y.flatten().tolist()]}}
    with open(f"{out}/unet-small.fixture.json", "w") as f:
        json.dump(fix, f)
    with open(f"{out}/unet-small.onnx", "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    card = {"name": "unet-small", "version": "0.0.0", "task": "cones", "modality": "any", "format": "onnx",
            "opset": 17, "sha256": digest,
            "input": {"name": "image", "layout": "NCHW", "channels": 1, "multiple": 4},
            "output": {"name": "heatmap", "kind": "heatmap"}, "normalisation": {"method": "zscore"},
            "postprocess": {"threshold": 0.3, "min_distance_rel_spacing": 0.5, "min_distance_px": 2.0},
            "intended_use": "tests and benchmarks only: random weights, the architecture of training/",
            "limits": ["untrained"]}
    with open(f"{out}/unet-small.card.json", "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


def bench(size, batches, threads, seconds, device, half):
    torch.set_num_threads(threads)
    model = build().to(device)
    if half:
        model = model.half()
    for n in batches:
        x = torch.randn(n, 1, size, size, device=device)
        if half:
            x = x.half()
        with torch.no_grad():
            model(x)  # warm-up
            if device != "cpu":
                torch.cuda.synchronize()
            runs, t0 = 0, time.perf_counter()
            while True:
                model(x)
                runs += 1
                if device != "cpu":
                    torch.cuda.synchronize()
                dt = time.perf_counter() - t0
                if dt >= seconds and runs >= 2:
                    break
        print(json.dumps({"impl": "pytorch-eager", "device": device, "dtype": "fp16" if half else "fp32",
                          "batch": n, "size": size, "images_per_s": runs * n / dt, "torch": torch.__version__}))


def run(inp, out, size, device, half):
    """Raw forward pass on a 1×1×size×size float32 file (ortbench -dump's input.f32)."""
    import numpy as np
    x = torch.from_numpy(np.fromfile(inp, dtype=np.float32).reshape(1, 1, size, size)).to(device)
    model = build().to(device)
    if half:
        model, x = model.half(), x.half()
    with torch.no_grad():
        y = model(x).float().cpu().numpy()
    y.astype(np.float32).tofile(out)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export")
    e.add_argument("dir")
    b = sub.add_parser("bench")
    b.add_argument("--size", type=int, default=512)
    b.add_argument("--batch", default="1,8")
    b.add_argument("--threads", type=int, default=torch.get_num_threads())
    b.add_argument("--seconds", type=float, default=3)
    b.add_argument("--device", default="cpu")
    b.add_argument("--half", action="store_true")
    r = sub.add_parser("run")
    r.add_argument("input")
    r.add_argument("output")
    r.add_argument("--size", type=int, default=512)
    r.add_argument("--device", default="cpu")
    r.add_argument("--half", action="store_true")
    a = ap.parse_args()
    if a.cmd == "export":
        export(a.dir)
    elif a.cmd == "run":
        run(a.input, a.output, a.size, a.device, a.half)
    else:
        bench(a.size, [int(v) for v in a.batch.split(",")], a.threads, a.seconds, a.device, a.half)


if __name__ == "__main__":
    sys.exit(main())
