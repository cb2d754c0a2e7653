#!/usr/bin/env bash
# Seed corpora for the fuzz targets (fuzz/corpus/TARGET, not committed):
# the fixtures under tests/data, the bundled corpus/, and — when SHARED_DIR
# (default ../shared) has them — the real help-centre guides, each file cut
# to at most 64 KB. The guides are read in place, never copied into the repo.
#
#   scripts/fuzz-seed.sh [SHARED_DIR]
#
# To seed a new target, add a function `seed_NAME` below that writes files
# into the directory it is given, and add NAME to TARGETS.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
TARGETS=(markdown crawl jsonl toc html query)

python3 - "$shared" "${TARGETS[@]}" <<'PY'
import glob, hashlib, json, os, re, sys

shared, targets = sys.argv[1], sys.argv[2:]
LIMIT = 64 * 1024
guides = sorted(glob.glob(os.path.join(shared, "corpora", "*-guide")))

def md_files(roots):
    for root in roots:
        for path in sorted(glob.glob(os.path.join(root, "**", "*.md"), recursive=True)):
            yield path

def read(path):
    with open(path, "rb") as f:
        return f.read(LIMIT)

def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    data = data[:LIMIT]
    if not data.strip():
        return
    d = os.path.join("fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

local = ["corpus", "tests/data/docset"]

def plain(md):
    """A Markdown page flattened the way the raw crawl flattens pages."""
    text = re.sub(r"<[^>]*>|!\[[^\]]*\]\([^)]*\)|[#>*|`]", " ", md)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(text.split())

def seed_markdown():
    for p in md_files(local + guides):
        put("markdown", read(p))

def seed_html():
    for p in md_files(local + guides):
        data = read(p).decode("utf-8", "replace")
        # The first fragment of each page is enough variety.
        m = re.search(r"<(table|div|p|ul|ol|a)\b.*?</\1>", data, re.S | re.I)
        if m:
            put("html", m.group(0))

def seed_toc():
    for p in md_files(local + guides):
        name = os.path.basename(p).lower()
        if name == "index.md" or "bookmap" in name:
            put("toc", read(p))

def seed_crawl():
    for p in glob.glob("tests/data/crawl/*.txt"):
        put("crawl", read(p))
    pages = [plain(read(p).decode("utf-8", "replace")) for p in md_files(local + guides)]
    # Several pages a line, as the crawl has them.
    for i in range(0, len(pages), 3):
        put("crawl", "\n".join(" ".join(pages[i:i + 3]).splitlines()))

def seed_jsonl():
    for p in glob.glob("tests/data/bulk/*.jsonl"):
        put("jsonl", read(p))
    for p in md_files(local + guides):
        body = read(p).decode("utf-8", "replace")
        title = next((l[2:].strip() for l in body.splitlines() if l.startswith("# ")), "")
        rec = {"id": os.path.basename(p)[:-3], "title": title, "topic": ["A", "B"], "body": body}
        put("jsonl", json.dumps(rec, ensure_ascii=False) + "\n")

def seed_query():
    # What people typed: the dev query sets (never the blind ones), plus
    # long and odd inputs.
    for p in sorted(glob.glob("tests/data/*_queries.jsonl")) + sorted(glob.glob("tests/data/*_unanswerable.jsonl")):
        if "blind" in p:
            continue
        for line in open(p, encoding="utf-8"):
            try:
                put("query", json.loads(line)["q"])
            except (ValueError, KeyError, TypeError):
                put("query", line)  # a broken line is a fine input too
    put("query", "代金券" * 300)
    put("query", "dai jin quan zen me yong " * 20)
    put("query", "怎么 " * 400)

for t in targets:
    globals()["seed_" + t]()
    n = len(os.listdir(os.path.join("fuzz", "corpus", t)))
    print(f"{t}: {n} seed files", file=sys.stderr)
if not guides:
    print(f"(no guides under {shared}/corpora: seeds from tests/data and corpus/ only)", file=sys.stderr)
PY
