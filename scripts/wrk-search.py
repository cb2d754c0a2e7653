#!/usr/bin/env python3
"""A wrk script that cycles /api/search through a list of queries.

    scripts/wrk-search.py OUT.lua QUERIES.jsonl...   (the "q" of each line)
    scripts/wrk-search.py OUT.lua < queries.txt      (one query per line)

Used by scripts/scale.sh and scripts/hostile-load.sh.
"""
import json
import sys
import urllib.parse


def main():
    out, files = sys.argv[1], sys.argv[2:]
    if files:
        queries = [json.loads(l)["q"] for f in files
                   for l in open(f, encoding="utf-8") if l.strip()]
    else:
        queries = [l.rstrip("\n") for l in sys.stdin if l.strip()]
    paths = ["/api/search?q=" + urllib.parse.quote(q) for q in queries]
    with open(out, "w") as f:
        f.write("paths = {%s}\n" % ",".join(json.dumps(p) for p in paths))
        f.write("i = 0\nrequest = function()\n  i = i % #paths + 1\n"
                "  return wrk.format(\"GET\", paths[i])\nend\n")


main()
