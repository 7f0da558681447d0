#!/usr/bin/python3
"""Time pydicom reading DICOM files, pixel_array included, and print the throughput.

Usage: scripts/bench/pydicom_bench.py [--repeat N] FILE...

Run it with Debian's python3 (python3-pydicom, python3-numpy). The last line is
machine-readable for `make bench`:  pydicom_MBps <float>
"""
import argparse
import os
import sys
import time

import pydicom


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    total_bytes = 0
    total_s = 0.0
    for path in args.files:
        size = os.path.getsize(path)
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ds = pydicom.dcmread(path)
            arr = ds.pixel_array
            best = min(best, time.perf_counter() - t0)
        total_bytes += size
        total_s += best
        print(f"{path}: {size} bytes, shape {arr.shape} {arr.dtype}, best {best * 1e3:.1f} ms, "
              f"{size / best / 1e6:.1f} MB/s (pydicom {pydicom.__version__})")
    print(f"pydicom_MBps {total_bytes / total_s / 1e6:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
