#!/usr/bin/env python3
"""The answer policy studied offline, on what `wenda calibrate --rows` wrote.

    scripts/answer-study.py DEV_ROWS.jsonl HOLDOUT_ROWS.jsonl

(scripts/answer-study.sh makes both files.) Prints:
1. how well confidence separates a right first hit from a wrong one on the
   holdouts (AUC, and the share of answerable questions answered right at
   most 2/4/6% wrong), for the model refitted on the dev rows with the six
   shipped features and with the best hit's proximity share as a seventh;
2. the shipped policy's rules with other thresholds, on both files;
3. a rule that asks back whenever one of the first five titles differs from
   the first in one short run the question does not name.

The policy is re-played here from each row's confidences, score ratios and
titles; the script stops if its replay of the shipped policy disagrees with
what the engine did on any row.
"""
import json
import math
import sys
import unicodedata
from difflib import SequenceMatcher

FEATURES = ["title_coverage", "title_precision", "exact", "lead", "known", "matched"]
# The shipped policy (src/answer/mod.rs, Policy::default).
SHIPPED = dict(answer=0.65, sure=0.85, clarify=0.3, close=0.8, known=0.5)


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def title_key(t):
    return "".join(c for c in unicodedata.normalize("NFKC", t).lower() if c.isalnum())


def decide(r, conf, answer, sure, clarify, close, known):
    """What the policy does with a row, given each hit's confidence."""
    if not r["features"]:
        return "no_answer"
    c1 = conf[0]
    if r["features"][0]["known"] < known and c1 < sure:
        return "no_answer"
    near = [i for i in range(min(3, len(conf))) if r["ratios"][i] >= close and conf[i] >= clarify]
    distinct = False
    if len(near) >= 2:
        a, b = title_key(r["titles"][near[0]]), title_key(r["titles"][near[1]])
        distinct = a != b and a not in b and b not in a
    if distinct and c1 >= clarify and r["features"][0]["exact"] < 1.0:
        return "clarify"
    return "answered" if c1 >= answer else "no_answer"


def tally(rows, confs, **policy):
    p = dict(SHIPPED, **policy)
    t = dict(right=0, wrong=0, clarified=0, handed=0, unanswerable=0)
    for r, conf in zip(rows, confs):
        d = decide(r, conf, **p)
        if not r["answerable"]:
            t["unanswerable"] += d == "answered"
        elif d == "answered":
            t["right" if r["correct"][0] else "wrong"] += 1
        else:
            t["clarified" if d == "clarify" else "handed"] += 1
    return t


def vector(f, proximity, extra):
    return [f[k] for k in FEATURES] + ([proximity] if extra else [])


def fit(xs, ys, rounds=3000, rate=0.5, l2=1e-3):
    """Logistic regression by gradient descent, as `wenda calibrate` fits."""
    w, b, n = [0.0] * len(xs[0]), 0.0, len(xs)
    for _ in range(rounds):
        gw, gb = [0.0] * len(w), 0.0
        for x, y in zip(xs, ys):
            e = predict((w, b), x) - y
            gb += e
            for i, xi in enumerate(x):
                gw[i] += e * xi
        b -= rate * gb / n
        w = [wi - rate * (g / n + l2 * wi) for wi, g in zip(w, gw)]
    return w, b


def predict(model, x):
    w, b = model
    return 1.0 / (1.0 + math.exp(-(b + sum(a * c for a, c in zip(w, x)))))


def right_first(r):
    return bool(r["answerable"] and r["correct"] and r["correct"][0])


def auc(scores, labels):
    pos = [s for s, l in zip(scores, labels) if l]
    neg = [s for s, l in zip(scores, labels) if not l]
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def right_at(scores, rows, wrong_share):
    """Answering the answerable questions from the surest down: the most
    answered right while at most `wrong_share` of them are answered wrong."""
    ranked = sorted(
        ((s, right_first(r)) for s, r in zip(scores, rows) if r["answerable"]),
        key=lambda t: -t[0],
    )
    n, right, wrong, best = len(ranked), 0, 0, 0
    for _, ok in ranked:
        right, wrong = right + ok, wrong + (not ok)
        if wrong <= wrong_share * n:
            best = max(best, right)
    return best / n


def variant(a, b):
    """The two runs two titles differ in, when they differ in one short one."""
    ops = [o for o in SequenceMatcher(None, a, b).get_opcodes() if o[0] != "equal"]
    if len(ops) != 1 or ops[0][0] != "replace":
        return None
    _, i1, i2, j1, j2 = ops[0]
    if 1 <= i2 - i1 <= 3 and 1 <= j2 - j1 <= 3 and len(a) - (i2 - i1) >= 3:
        return a[i1:i2], b[j1:j2]
    return None


def main():
    dev, hold = (load(p) for p in sys.argv[1:3])
    for name, rows in (("dev", dev), ("holdout", hold)):
        for r in rows:
            got = decide(r, r["confidence"], **SHIPPED)
            if r["features"] and got != r["status"]:
                sys.exit(f"replay differs from the engine on {name} question {r['q']!r}: {got} vs {r['status']}")

    print("## 1. Separating right first hits from wrong ones (model refitted on dev)")
    print("| features | holdout AUC | right at ≤2% wrong | ≤4% | ≤6% |")
    print("| --- | ---: | ---: | ---: | ---: |")
    fitted = {}
    for extra in (False, True):
        train = [r for r in dev if r["features"]]
        model = fit(
            [vector(r["features"][0], r["proximity"][0], extra) for r in train],
            [float(right_first(r)) for r in train],
        )
        fitted[extra] = model
        test = [r for r in hold if r["features"]]
        scores = [predict(model, vector(r["features"][0], r["proximity"][0], extra)) for r in test]
        cells = " | ".join("%.0f%%" % (100 * right_at(scores, test, s)) for s in (0.02, 0.04, 0.06))
        print("| %s | %.3f | %s |" % ("six + proximity" if extra else "six (shipped)", auc(scores, [right_first(r) for r in test]), cells))

    print("\n## 2. The policy's rules with other settings (answerable: right / wrong / clarified / handed; unanswerable answered)")
    print("| model | setting | dev | holdout |")
    print("| --- | --- | --- | --- |")
    cell = lambda t: "%d / %d / %d / %d; %d" % (t["right"], t["wrong"], t["clarified"], t["handed"], t["unanswerable"])
    shipped = lambda rows: [r["confidence"] for r in rows]
    for setting in ({}, dict(answer=0.6), dict(answer=0.55), dict(answer=0.5), dict(close=0.9), dict(clarify=0.45)):
        label = ", ".join(f"{k} {v}" for k, v in setting.items()) or "shipped"
        print("| shipped | %s | %s | %s |" % (label, cell(tally(dev, shipped(dev), **setting)), cell(tally(hold, shipped(hold), **setting))))
    for extra, model in fitted.items():
        confs = lambda rows: [
            [predict(model, vector(f, p, extra)) for f, p in zip(r["features"], r["proximity"])] for r in rows
        ]
        name = "refit, six + proximity" if extra else "refit, six"
        print("| %s | shipped | %s | %s |" % (name, cell(tally(dev, confs(dev))), cell(tally(hold, confs(hold)))))

    print("\n## 3. Asking back when a first-five title is a short variant of the first")
    for name, rows in (("dev", dev), ("holdout", hold)):
        turned = {True: 0, False: 0}
        for r in rows:
            if not r["answerable"] or r["status"] != "answered":
                continue
            q = r["q"].lower()
            for t in r["titles"][1:5]:
                v = variant(r["titles"][0], t)
                if v and v[0].lower() not in q and v[1].lower() not in q:
                    turned[r["status_right"]] += 1
                    break
        print(f"- {name}: {turned[True]} right answers and {turned[False]} wrong ones would be asked back instead")


if __name__ == "__main__":
    main()
