#!/usr/bin/env python3
"""reprint against its peers, in one run, on one corpus: MB/s, docs/s, peak RSS and the recall of
the corpus's planted copies.

    python3 benches/peers.py CORPUS.jsonl [--tools reprint,rensa,gaoya,datasketch] [--runs 3]
    python3 benches/peers.py /tmp/speed100.jsonl --make-mb 100 --train ../shared/bench/dev/corpus.jsonl

CORPUS is JSON lines with `id` and `text` as written by `mkspeed.py` (with `--make-mb` the corpus
is made first when it does not exist). Needs `pip install datasketch rensa gaoya` and a release
build of reprint (`cargo build --release`).

Every tool runs in its own process, timed end to end on the wall clock (start-up, reading and
JSON parsing included); its peak RSS comes from `wait4`, the kernel's maximum resident set of
that process. The peers get what reprint's near-duplicate view uses: word 5-grams (lower case,
`\\w+` words), 128 permutations, threshold 0.5; bands x rows 25 x 5 where the library lets us
choose (rensa needs the bands to divide 128: 32 x 4, the nearest curve), its own choice for
datasketch. A pair an LSH index proposes joins a cluster when its estimated Jaccard similarity is
at least the threshold (union-find over those pairs). rensa and datasketch are pure single-thread
Python loops; gaoya runs its documented parallel bulk insert and query. reprint runs its default
scan (`reprint scan CORPUS --out DIR`), with every view and text verification, on all cores, and
on one (`-j 1`).

Planted copies: mkspeed.py writes a copy as an earlier original with up to three words replaced,
without a label. They are found again here exactly: a copy has the same number of words as its
original and differs in at most three positions, so at least three of six equal slices of it
match the original word for word. Recall is the share of copies a tool puts in one cluster with
their original; precision, the share of predicted same-cluster pairs that are planted (other
Markov-chain texts can be near-duplicates by chance, so it is a lower bound).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

WORD = re.compile(r"\w+")
SLICES = 6
NEED = 3


# ---------------------------------------------------------------------------------------------
# Planted copies


def planted(corpus):
    """{copy id: original id} for the copies mkspeed.py planted (cached beside the corpus)."""
    cache = corpus + ".planted.tsv"
    if os.path.exists(cache) and os.path.getmtime(cache) >= os.path.getmtime(corpus):
        with open(cache) as f:
            return dict(line.rstrip("\n").split("\t") for line in f)
    index = {}
    out = {}
    with open(corpus, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            words = d["text"].split()
            n = len(words)
            if n < SLICES:
                continue
            keys = [hash((n, k, tuple(words[k * n // SLICES : (k + 1) * n // SLICES]))) for k in range(SLICES)]
            votes = defaultdict(int)
            for key in keys:
                hit = index.get(key)
                if hit is not None:
                    votes[hit] += 1
            best = max(votes.items(), key=lambda kv: kv[1], default=(None, 0))
            if best[1] >= NEED:
                out[d["id"]] = best[0]
            else:
                for key in keys:
                    index.setdefault(key, d["id"])
    try:
        with open(cache, "w") as f:
            f.writelines(f"{c}\t{o}\n" for c, o in out.items())
    except OSError:
        pass
    return out


def quality(truth, clusters):
    """(recall, precision) of `clusters` ({doc id: cluster}) against the planted copies."""
    if not truth:
        return float("nan"), float("nan")
    found = sum(1 for c, o in truth.items() if c in clusters and clusters.get(o) == clusters[c])
    story = {o: o for o in truth.values()}
    story.update(truth)
    members = defaultdict(list)
    for doc, c in clusters.items():
        members[c].append(doc)
    predicted = right = 0
    for docs in members.values():
        predicted += len(docs) * (len(docs) - 1) // 2
        by_story = defaultdict(int)
        for d in docs:
            if d in story:
                by_story[story[d]] += 1
        right += sum(k * (k - 1) // 2 for k in by_story.values())
    return found / len(truth), (right / predicted if predicted else float("nan"))


# ---------------------------------------------------------------------------------------------
# The peers, each run in a process of its own (`--worker TOOL`)


def read_docs(corpus):
    with open(corpus, "rb") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                yield str(d["id"]), d["text"]


def shingles(text, n):
    words = WORD.findall(text.lower())
    if len(words) < n:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


class Clusters:
    def __init__(self):
        self.parent = []

    def add(self):
        self.parent.append(len(self.parent))

    def find(self, x):
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def link_candidates(lsh, sketches, uf, threshold):
    """Joins each sketch with the candidates its LSH query returns whose estimated Jaccard
    similarity reaches `threshold`, as rensa's and datasketch's examples do; returns the seconds
    spent."""
    t = time.perf_counter()
    for i, m in enumerate(sketches):
        for j in lsh.query(m):
            if j > i and m.jaccard(sketches[j]) >= threshold:
                uf.union(i, j)
    return time.perf_counter() - t


def run_rensa(corpus, a):
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=a.threshold, num_perm=a.num_perm, num_bands=32)
    ids, sketches, uf = [], [], Clusters()
    prep = core = 0.0
    for doc_id, text in read_docs(corpus):
        t0 = time.perf_counter()
        sh = shingles(text, a.shingle)
        t1 = time.perf_counter()
        m = RMinHash(num_perm=a.num_perm, seed=42)
        m.update(sh)
        lsh.insert(len(ids), m)
        core += time.perf_counter() - t1
        prep += t1 - t0
        ids.append(doc_id)
        sketches.append(m)
        uf.add()
    core += link_candidates(lsh, sketches, uf, a.threshold)
    return ids, uf, {"prepare_s": prep, "minhash_lsh_s": core}


def run_datasketch(corpus, a):
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=a.threshold, num_perm=a.num_perm)
    ids, sketches, uf = [], [], Clusters()
    prep = core = 0.0
    for doc_id, text in read_docs(corpus):
        t0 = time.perf_counter()
        sh = [s.encode() for s in shingles(text, a.shingle)]
        t1 = time.perf_counter()
        m = MinHash(num_perm=a.num_perm, seed=1)
        m.update_batch(sh)
        lsh.insert(len(ids), m, check_duplication=False)
        core += time.perf_counter() - t1
        prep += t1 - t0
        ids.append(doc_id)
        sketches.append(m)
        uf.add()
    core += link_candidates(lsh, sketches, uf, a.threshold)
    return ids, uf, {"prepare_s": prep, "minhash_lsh_s": core, "bands_rows": [lsh.b, lsh.r]}


def run_gaoya(corpus, a):
    from gaoya.minhash import MinHashStringIndex

    index = MinHashStringIndex(
        hash_size=32,
        jaccard_threshold=a.threshold,
        num_bands=25,
        band_size=5,
        analyzer="word",
        lowercase=True,
        ngram_range=(a.shingle, a.shingle),
        id_container="vec",
    )
    ids, uf = [], Clusters()
    batch_ids, batch = [], []
    core = 0.0

    def flush():
        nonlocal core
        t = time.perf_counter()
        index.par_bulk_insert_docs(batch_ids, batch)
        core += time.perf_counter() - t
        batch_ids.clear()
        batch.clear()

    for doc_id, text in read_docs(corpus):
        batch_ids.append(len(ids))
        batch.append(text)
        ids.append(doc_id)
        uf.add()
        if len(batch) == 10_000:
            flush()
    flush()
    # Queries re-read the texts in batches, so the texts are never all in memory at once.
    i = 0
    for doc_id, text in read_docs(corpus):
        batch.append(text)
        if len(batch) == 10_000:
            t = time.perf_counter()
            for k, hits in enumerate(index.par_bulk_query(batch)):
                for j in hits:
                    uf.union(i + k, j)
            core += time.perf_counter() - t
            i += len(batch)
            batch.clear()
    if batch:
        for k, hits in enumerate(index.par_bulk_query(batch)):
            for j in hits:
                uf.union(i + k, j)
    return ids, uf, {"minhash_lsh_s": core}


PEERS = {"rensa": run_rensa, "gaoya": run_gaoya, "datasketch": run_datasketch}


def worker(a):
    ids, uf, extra = PEERS[a.worker](a.corpus, a)
    groups = defaultdict(list)
    for i in range(len(ids)):
        groups[uf.find(i)].append(i)
    with open(a.worker_out, "w") as f:
        for root, members in groups.items():
            if len(members) > 1:
                f.writelines(f"{root},{ids[m]}\n" for m in members)
    json.dump(extra, sys.stdout)


# ---------------------------------------------------------------------------------------------
# The parent: runs, measures, prints


def measured(cmd):
    """Runs `cmd`; returns (seconds, peak RSS in bytes, stdout)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed with status {p.returncode}")
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return seconds, rss, out


def read_clusters(path, id_col, cluster_col, header):
    clusters = {}
    with open(path) as f:
        if header:
            next(f, None)
        for line in f:
            cols = line.rstrip("\n").split(",")
            clusters[cols[id_col]] = cols[cluster_col]
    return clusters


def run_tool(tool, a, tmp):
    if tool.startswith("reprint"):
        out = os.path.join(tmp, tool)
        cmd = [a.reprint, "scan", a.corpus, "--out", out, "-q", "--num-perm", str(a.num_perm)]
        cmd += ["--threshold", str(a.threshold), "--shingle", str(a.shingle)]
        if tool == "reprint-j1":
            cmd += ["-j", "1"]
        seconds, rss, _ = measured(cmd)
        with open(os.path.join(out, "summary.json")) as f:
            extra = {"stages_s": json.load(f).get("timings_seconds")}
        return seconds, rss, read_clusters(os.path.join(out, "clusters.csv"), 1, 0, True), extra
    out = os.path.join(tmp, tool + ".csv")
    cmd = [sys.executable, os.path.abspath(__file__), a.corpus, "--worker", tool, "--worker-out", out]
    cmd += ["--num-perm", str(a.num_perm), "--threshold", str(a.threshold), "--shingle", str(a.shingle)]
    seconds, rss, stdout = measured(cmd)
    return seconds, rss, read_clusters(out, 1, 0, False), json.loads(stdout or b"{}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--tools", default="reprint,reprint-j1,rensa,gaoya,datasketch")
    ap.add_argument("--runs", type=int, default=3, help="runs of reprint; the fastest is kept")
    ap.add_argument("--peer-runs", type=int, default=1, help="runs of each peer; the fastest is kept")
    ap.add_argument("--reprint", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "reprint"))
    ap.add_argument("--num-perm", type=int, default=128)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--shingle", type=int, default=5)
    ap.add_argument("--make-mb", type=float, help="make the corpus with mkspeed.py first if it is missing")
    ap.add_argument("--train", default=os.path.join("..", "shared", "bench", "dev", "corpus.jsonl"))
    ap.add_argument("--mkspeed", default=os.path.join("..", "shared", "bench", "mkspeed.py"))
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--worker", choices=sorted(PEERS), help=argparse.SUPPRESS)
    ap.add_argument("--worker-out", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker(a)
    if not os.path.exists(a.corpus):
        if a.make_mb is None:
            sys.exit(f"{a.corpus} does not exist (give --make-mb to make it)")
        subprocess.run([sys.executable, a.mkspeed, "--train", a.train, "--mb", str(a.make_mb), "--out", a.corpus], check=True)
    size = os.path.getsize(a.corpus)
    truth = planted(a.corpus)
    docs = sum(1 for line in open(a.corpus, "rb") if line.strip())
    print(f"corpus {a.corpus}: {size / 1e6:.1f} MB, {docs} documents, {len(truth)} planted copies; "
          f"{os.cpu_count()} cores", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for tool in a.tools.split(","):
            best = None
            for _ in range(a.runs if tool.startswith("reprint") else a.peer_runs):
                r = run_tool(tool, a, tmp)
                if best is None or r[0] < best[0]:
                    best = r
            seconds, rss, clusters, extra = best
            recall, precision = quality(truth, clusters)
            rows.append({"tool": tool, "seconds": seconds, "mb_s": size / 1e6 / seconds, "docs_s": docs / seconds,
                         "peak_rss_mb": rss / 1e6, "recall": recall, "precision": precision, **extra})
            print(f"  {tool}: {seconds:.2f} s, {rss / 1e6:.0f} MB, recall {recall:.4f} {extra}", file=sys.stderr)
    base = next((r for r in rows if r["tool"] == "reprint"), rows[0])
    print(f"\n| tool | seconds | MB/s | docs/s | peak RSS MB | recall | precision | speed vs {base['tool']} | RSS vs {base['tool']} |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['tool']} | {r['seconds']:.2f} | {r['mb_s']:.1f} | {r['docs_s']:.0f} | {r['peak_rss_mb']:.0f} "
              f"| {r['recall']:.4f} | {r['precision']:.4f} | {r['mb_s'] / base['mb_s']:.3f} "
              f"| {r['peak_rss_mb'] / base['peak_rss_mb']:.2f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"corpus_bytes": size, "documents": docs, "planted": len(truth), "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
