"""PyTorch eager throughput of a shipped model on one 512x512 image at batch 1 and 8, on the
CPU (2 threads unless AOMAS_BENCH_THREADS says otherwise). The model is rebuilt from the state
dict in training/weights/<name>.pt (the weights of internal/models/<name>.onnx, sigmoid included).
Prints one line per batch size that scripts can parse:

    torch-eager model=cones-confocal batch=1 size=512 images_per_s=7.12 ms_per_batch=140.4 threads=2

    /usr/bin/python3 training/bench_torch.py [--model cones-confocal] [--batches 1,8] [--seconds 3]
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import HERE, UNet  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="cones-confocal")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--seconds", type=float, default=3.0, help="minimum timed seconds per batch size")
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("AOMAS_BENCH_THREADS", "2")))
    ck = torch.load(os.path.join(HERE, "weights", a.model + ".pt"), map_location="cpu")
    model = UNet(**ck["arch"], sigmoid=True)
    model.load_state_dict(ck["state"])
    model.eval().to(a.device)
    for b in [int(v) for v in a.batches.split(",")]:
        x = torch.randn(b, 1, a.size, a.size, generator=torch.Generator().manual_seed(1)).to(a.device)
        with torch.inference_mode():
            model(x)  # warm-up
            n, t0 = 0, time.perf_counter()
            while True:
                model(x)
                n += 1
                if a.device != "cpu":
                    torch.cuda.synchronize()
                el = time.perf_counter() - t0
                if el >= a.seconds and n >= 3:
                    break
        print(f"torch-eager model={a.model} batch={b} size={a.size} images_per_s={n * b / el:.3f} "
              f"ms_per_batch={1000 * el / n:.1f} threads={torch.get_num_threads()} device={a.device}", flush=True)


if __name__ == "__main__":
    main()
