"""Reads a CSV export with Python's csv module and prints {"columns", "rows"} as JSON."""
import csv
import json
import sys

with open(sys.argv[1], newline="") as f:
    r = csv.reader(f)
    columns = next(r)
    rows = list(r)
json.dump({"columns": columns, "rows": rows}, sys.stdout)
