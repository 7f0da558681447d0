#!/usr/bin/env python3
# %% [markdown]
# # Cone density against eccentricity for a cohort
#
# A notebook-style script (cells marked `# %%`: VS Code, Jupytext and Spyder run them one by
# one; `python3` runs them all). It reads the analyst's wide table of aomas — one row per
# volume, from its current run, with subject, eye, eccentricity, file and every metric with
# its 95% interval — and plots cone density against eccentricity.
#
#     AOMAS_URL=http://localhost:8080 AOMAS_TOKEN=... python3 docs/examples/density_vs_eccentricity.py COHORT_TAG [OUT]
#
# With matplotlib (Debian: `apt-get install python3-matplotlib`) it writes OUT (default
# density_vs_eccentricity.png). Without it, it says so and writes the same points as CSV
# (OUT with a .csv suffix) instead: nothing is drawn then.
# Standard library only, besides the optional matplotlib.

# %%
import csv
import json
import os
import sys
import urllib.request

URL = os.environ.get("AOMAS_URL", "http://localhost:8080") + "/graphql"
COHORT = sys.argv[1] if len(sys.argv) > 1 else None
OUT = sys.argv[2] if len(sys.argv) > 2 else "density_vs_eccentricity.png"
METRIC = "cone_density"


def graphql(query, variables=None):
    req = urllib.request.Request(URL, data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                 headers={"Content-Type": "application/json"})
    token = os.environ.get("AOMAS_TOKEN")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as resp:
        body = json.load(resp)
    if body.get("errors"):
        raise SystemExit("aomas: " + "; ".join(f'{e["message"]} ({e.get("extensions", {}).get("code")})' for e in body["errors"]))
    return body["data"]


# %% [markdown]
# ## What the metric means
# `metricCatalog` names every metric with its unit; a misspelled name is refused by the API
# with the close ones listed.

# %%
catalog = {m["name"]: m for m in graphql("{ metricCatalog { name unit description } }")["metricCatalog"]}
if METRIC not in catalog:
    raise SystemExit(f"{METRIC} is not in the catalogue: {', '.join(catalog)}")
UNIT = catalog[METRIC]["unit"]
print(f"{METRIC} ({UNIT}): {catalog[METRIC]['description']}")

# %% [markdown]
# ## The cohort's table, page by page
# One row per volume (its current run), so no volume is counted twice.

# %%
TABLE = """
query($filter: MetricTableFilter, $after: String) {
  metricTable(first: 500, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    metricNames
    rows { subjectCode eye eccentricityDeg filename modelVersion values { value unit ci95Low ci95High } }
  }
}"""
flt = {"cohortTag": COHORT} if COHORT else {}
points, after = [], None
while True:
    page = graphql(TABLE, {"filter": flt, "after": after})["metricTable"]
    col = page["metricNames"].index(METRIC) if METRIC in page["metricNames"] else None
    for row in page["rows"]:
        cell = row["values"][col] if col is not None else None
        if cell is None or row["eccentricityDeg"] is None:
            continue  # not measured (e.g. no calibrated pixel size), or no eccentricity recorded
        points.append({"subject": row["subjectCode"], "eye": row["eye"], "ecc": row["eccentricityDeg"],
                       "file": row["filename"], "value": cell["value"], "lo": cell["ci95Low"], "hi": cell["ci95High"]})
    if not page["pageInfo"]["hasNextPage"]:
        break
    after = page["pageInfo"]["endCursor"]
print(f"{len(points)} volumes with {METRIC} and an eccentricity" + (f" in {COHORT}" if COHORT else ""))

# %% [markdown]
# ## The plot (or, without matplotlib, the points as CSV)

# %%
try:
    import matplotlib
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

points.sort(key=lambda p: p["ecc"])
if plt is None:
    out = os.path.splitext(OUT)[0] + ".csv"
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["subject_code", "eye", "eccentricity_deg", "file_name", f"{METRIC} ({UNIT})", "ci95_low", "ci95_high"])
        for p in points:
            w.writerow([p["subject"], p["eye"], p["ecc"], p["file"], p["value"], p["lo"], p["hi"]])
    print(f"matplotlib is not installed (apt-get install python3-matplotlib): no plot drawn; wrote the points to {out}",
          file=sys.stderr)
else:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for eye, marker in (("OD", "o"), ("OS", "s")):
        ps = [p for p in points if p["eye"] == eye]
        if not ps:
            continue
        yerr = [[p["value"] - (p["lo"] if p["lo"] is not None else p["value"]) for p in ps],
                [(p["hi"] if p["hi"] is not None else p["value"]) - p["value"] for p in ps]]
        ax.errorbar([p["ecc"] for p in ps], [p["value"] for p in ps], yerr=yerr, fmt=marker, capsize=3, label=eye)
    ax.set_xlabel("eccentricity (°)")
    ax.set_ylabel(f"cone density ({UNIT})")
    ax.set_title(f"Cone density against eccentricity{' — ' + COHORT if COHORT else ''} (95% intervals)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(OUT, dpi=120)
    print(f"wrote {OUT}")
