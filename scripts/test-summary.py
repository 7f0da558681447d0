#!/usr/bin/env python3
"""Adds up what every runner of `make test` ran and prints one closing line."""
import glob, json, os, re, sys

d, elapsed = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0
rows = []

def go(path):
    """Go test events of path; go.json stands for every go*.json (race, no-race and parallel-race runs)."""
    paths = sorted(glob.glob(os.path.join(os.path.dirname(path), "go*.json"))) if path.endswith("go.json") else [path]
    p = f = s = 0
    for line in (l for x in paths for l in open(x)):
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if not ev.get("Test"):
            continue
        a = ev.get("Action")
        p += a == "pass"; f += a == "fail"; s += a == "skip"
    return p, f, s

def vitest(path):
    r = json.load(open(path))
    return r.get("numPassedTests", 0), r.get("numFailedTests", 0), r.get("numPendingTests", 0) + r.get("numTodoTests", 0)

def tap(path):
    txt = open(path).read()
    get = lambda k: int((re.findall(rf"^# {k} (\d+)$", txt, re.M) or ["0"])[-1])
    return get("pass"), get("fail"), get("skipped") + get("todo")

for name, fn, fname in [("go (unit + integration)", go, "go.json"), ("helm chart (render, lint, strict decode)", go, "chart.json"), ("multi-host (network namespaces)", go, "cluster.json"), ("frontend (vitest)", vitest, "vitest.json"), ("browser e2e (playwright-core + chromium)", tap, "e2e.tap")]:
    path = os.path.join(d, fname)
    if not os.path.exists(path):
        rows.append((name, 0, 1, 0, "did not run"))
        continue
    rows.append((name, *fn(path), ""))

print("\n== test summary ==")
for name, p, f, s, note in rows:
    print(f"  {name:44s} {p:5d} passed {f:4d} failed {s:3d} skipped {note}")
tp, tf, ts = (sum(r[i] for r in rows) for i in (1, 2, 3))
phases = os.path.join(d, "phases.txt")
if os.path.exists(phases):
    print("  phases: " + ", ".join(f"{' '.join(l.split()[:-1])} {int(l.split()[-1]) // 60}m{int(l.split()[-1]) % 60:02d}s" for l in open(phases) if l.strip()))
print(f"  wall time: {elapsed // 60}m{elapsed % 60:02d}s")
print(f"total: {tp} passed, {tf} failed" + (f", {ts} skipped" if ts else ""))
sys.exit(1 if tf or tp == 0 or ts else 0)
