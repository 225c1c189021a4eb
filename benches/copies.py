#!/usr/bin/env python3
"""One story copied thousands of times: does the scan stay linear?

    python3 benches/copies.py [--copies 10000] [--background CORPUS.jsonl --background-docs 20000]

Writes a corpus (to a temporary folder) of one story and `--copies` copies of it, each with up
to three words replaced, like mkspeed.py's copies, after `--background-docs` documents of a
background corpus (e.g. one made by mkspeed.py), runs `reprint scan` on it for each size in
`--steps`, and prints seconds, peak RSS, candidate and verified pairs per document, and the
size of the story's cluster. Linear means candidates and verified pairs per document stay flat
as the copies grow (a quadratic scan would verify copies x copies / 2 pairs). Copies are dated
one second apart after the story unless `--undated`.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

WORDS = ("the of and to a in that is was for on with as by at from harbour council fire strike budget "
         "minister river school vote match police rail week city club season player report workers said "
         "officials plan million government election court hospital storm bridge market prices union").split()


def story(rnd, n):
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def corpus(path, copies, background, background_docs, seed, dated):
    rnd = random.Random(seed)
    base = story(rnd, 400).split()
    with open(path, "w") as f:
        if background:
            with open(background) as b:
                for k, line in enumerate(b):
                    if k >= background_docs:
                        break
                    f.write(line)
        date = (lambda c: f"2026-01-01T{c // 3600 % 24:02d}:{c // 60 % 60:02d}:{c % 60:02d}Z") if dated else (lambda c: "")
        f.write(json.dumps({"id": "story", "text": " ".join(base), "date": date(0)}) + "\n")
        for c in range(copies):
            words = list(base)
            for _ in range(rnd.randrange(0, 4)):
                words[rnd.randrange(len(words))] = rnd.choice(words)
            f.write(json.dumps({"id": f"copy{c}", "text": " ".join(words), "date": date(c + 1)}) + "\n")


def run(reprint, path, out):
    t = time.perf_counter()
    p = subprocess.Popen([reprint, "scan", path, "--out", out, "-q"])
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - t
    if status != 0:
        sys.exit(f"reprint failed with status {status}")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    largest = max((c["size"] for c in s.get("largest_clusters", [])), default=0)
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return seconds, rss, s["documents"]["scanned"], s["pairs"]["candidates"], s["pairs"]["verified"], largest


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", default="1000,3000,10000", help="numbers of copies to try")
    ap.add_argument("--background")
    ap.add_argument("--background-docs", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--undated", action="store_true", help="no dates: the texts alone decide the original")
    ap.add_argument("--reprint", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "reprint"))
    a = ap.parse_args()
    print("| copies | documents | seconds | peak RSS MB | candidates / doc | verified / doc | story cluster |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for copies in map(int, a.steps.split(",")):
            path = os.path.join(tmp, "copies.jsonl")
            corpus(path, copies, a.background, a.background_docs, a.seed, not a.undated)
            seconds, rss, docs, cand, ver, largest = run(a.reprint, path, os.path.join(tmp, "out"))
            print(f"| {copies} | {docs} | {seconds:.2f} | {rss / 1e6:.0f} | {cand / docs:.2f} | {ver / docs:.2f} | {largest} |")


if __name__ == "__main__":
    main()
