#!/usr/bin/env python3
"""Query aomas metrics from a notebook: a plain HTTP POST to /graphql, standard library only.

    AOMAS_URL=http://localhost:8080 python3 docs/examples/metrics.py cone_density [cohort-tag]

Prints one CSV row per metric: case, run, name, value, unit, ci95_low, ci95_high.
"""
import csv
import json
import os
import sys
import urllib.request

URL = os.environ.get("AOMAS_URL", "http://localhost:8080") + "/graphql"
QUERY = """
query($filter: MetricFilter, $after: String) {
  metrics(first: 500, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { name value unit ci95Low ci95High run { id volume { case { id } } } } }
  }
}"""


def graphql(query, variables):
    req = urllib.request.Request(URL, data=json.dumps({"query": query, "variables": variables}).encode(),
                                 headers={"Content-Type": "application/json"})
    token = os.environ.get("AOMAS_TOKEN")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as resp:
        body = json.load(resp)
    if body.get("errors"):
        raise SystemExit("aomas: " + "; ".join(f'{e["message"]} ({e.get("extensions", {}).get("code")})' for e in body["errors"]))
    return body["data"]


def main():
    flt = {"name": sys.argv[1]} if len(sys.argv) > 1 else {}
    if len(sys.argv) > 2:
        flt["cohortTag"] = sys.argv[2]
    out = csv.writer(sys.stdout)
    out.writerow(["case", "run", "name", "value", "unit", "ci95_low", "ci95_high"])
    after = None
    while True:
        page = graphql(QUERY, {"filter": flt, "after": after})["metrics"]
        for edge in page["edges"]:
            m = edge["node"]
            out.writerow([m["run"]["volume"]["case"]["id"], m["run"]["id"], m["name"], m["value"], m["unit"], m["ci95Low"], m["ci95High"]])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]


if __name__ == "__main__":
    main()
