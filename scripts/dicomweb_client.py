#!/usr/bin/env python3
"""A DICOMweb client on the standard library only: STOW-RS (it builds the multipart/related
body itself) and QIDO-RS against aomas.

  dicomweb_client.py stow BASE_URL FILE...      prints {"status": N, "body": {...}}
  dicomweb_client.py studies BASE_URL           prints {"status": N, "body": [...]}
  dicomweb_client.py series BASE_URL STUDY_UID  prints {"status": N, "body": [...]}

The API token is read from AOMAS_TOKEN, the project (optional) from AOMAS_PROJECT.
"""
import json
import os
import secrets
import sys
import urllib.error
import urllib.request


def request(method, url, body=None, content_type=None):
    headers = {"Authorization": "Bearer " + os.environ["AOMAS_TOKEN"], "Accept": "application/dicom+json"}
    if os.environ.get("AOMAS_PROJECT"):
        headers["X-Aomas-Project"] = os.environ["AOMAS_PROJECT"]
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            status, data = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, data = e.code, e.read()
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = data.decode("utf-8", "replace")
    return {"status": status, "body": parsed}


def stow(base, files):
    boundary = "py-" + secrets.token_hex(12)
    parts = []
    for path in files:
        with open(path, "rb") as f:
            parts.append(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + f.read() + b"\r\n")
    body = b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"
    ctype = 'multipart/related; type="application/dicom"; boundary=' + boundary
    return request("POST", base + "/dicomweb/studies", body, ctype)


def main(argv):
    cmd, base = argv[1], argv[2].rstrip("/")
    if cmd == "stow":
        out = stow(base, argv[3:])
    elif cmd == "studies":
        out = request("GET", base + "/dicomweb/studies")
    elif cmd == "series":
        out = request("GET", base + "/dicomweb/studies/" + argv[3] + "/series")
    else:
        sys.exit("unknown command " + cmd)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv)
