#!/usr/bin/env python3
"""The Python side of Benchmarks/run-scoring.sh: imagehash on the corpus, the agreement and the tables.

    scoring_bench.py phash CORPUS [--passes P] [--hashes FILE]
                          imagehash.phash(Image.open(BytesIO(bytes))) over every creative of CORPUS (the files read
                          into memory first; decode included, as scoring-bench phash does), P passes (default 5) after
                          one untimed pass, in this one process; then Pillow's decode alone (Image.load) the same
                          way, for reference. --hashes writes {"file": "hex"} (str(imagehash.phash(img))).
    scoring_bench.py agree ADGEN_HASHES IMAGEHASH_HASHES
                          compares the two {"file": "hex"} files: equal, within 2 bits, the largest distance.
    scoring_bench.py table RESULTS RUN [--strict]
                          the tables of one run of the JSON lines, and the goals: all checks for one 1080x1080
                          creative in < 15 ms (median over the corpus), adgen's pHash >= 5x imagehash's images/s.

Every measurement prints one JSON line with `seconds` (the timed part only) and `peak_rss_mib` (ru_maxrss).
"""

import argparse
import io
import json
import os
import resource
import statistics
import sys
import time
from importlib.metadata import version

GOAL_MS = 15.0
GOAL_RATIO = 5.0


def emit(**fields):
    print(json.dumps(fields), flush=True)


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_corpus(folder):
    with open(os.path.join(folder, "corpus.json")) as f:
        corpus = json.load(f)
    names = [c["file"] for c in corpus["creatives"]]
    files = []
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            files.append(f.read())
    return names, files


def timed_passes(body, files, passes):
    """Images/s of each of `passes` passes of `body` over `files`, after one untimed pass; and the CPU seconds."""
    for data in files:
        body(data)
    rates = []
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in range(passes):
        t = time.perf_counter()
        for data in files:
            body(data)
        rates.append(len(files) / (time.perf_counter() - t))
    return rates, time.perf_counter() - start, time.process_time() - cpu


def run_phash(args):
    import imagehash
    from PIL import Image

    names, files = load_corpus(args.corpus)
    hashes = {}

    def phash(data):
        return imagehash.phash(Image.open(io.BytesIO(data)))

    rates, seconds, cpu = timed_passes(phash, files, args.passes)
    for name, data in zip(names, files):
        hashes[name] = str(phash(data))
    decode_rates, _, _ = timed_passes(lambda data: Image.open(io.BytesIO(data)).load(), files, args.passes)
    if args.hashes:
        with open(args.hashes, "w") as f:
            json.dump(hashes, f, indent=2, sort_keys=True)
    samples = len(files) * args.passes
    emit(bench="phash", impl="imagehash", images=len(files), passes=args.passes,
         images_per_second=round(statistics.median(rates), 1), images_per_second_best=round(max(rates), 1),
         ms_per_image=round(seconds / samples * 1000, 3), cpu_ms_per_image=round(cpu / samples * 1000, 3),
         pillow_decode_per_second=round(statistics.median(decode_rates), 1),
         versions=f"imagehash {version('imagehash')}, Pillow {version('pillow')}, scipy {version('scipy')}",
         seconds=round(seconds, 3), cpu_seconds=round(cpu, 3), peak_rss_mib=round(rss_mib(), 1))


def run_agree(args):
    with open(args.adgen) as f:
        ours = json.load(f)
    with open(args.imagehash) as f:
        theirs = json.load(f)
    common = sorted(set(ours) & set(theirs))
    distances = [bin(int(ours[n], 16) ^ int(theirs[n], 16)).count("1") for n in common]
    differing = [f"{n}: {d} bits" for n, d in zip(common, distances) if d]
    emit(bench="agreement", images=len(common), missing=len(set(ours) ^ set(theirs)),
         equal=sum(d == 0 for d in distances), within_2_bits=sum(d <= 2 for d in distances),
         max_bits=max(distances, default=0), differing=differing[:10])


def run_table(args):
    rows = []
    with open(args.results) as f:
        for line in f:
            line = line.strip()
            if line:
                row = json.loads(line)
                if row.get("run") == args.run:
                    rows.append(row)
    if not rows:
        sys.exit(f"scoring_bench.py: no lines of run {args.run} in {args.results}")
    ok = True

    scores = [r for r in rows if r["bench"] == "score"]
    print()
    print("Scoring: all checks for one 1080x1080 creative, decode included, one thread (VIPS_CONCURRENCY=1)")
    table = [("run", "creatives x passes", "median ms", "p95 ms", "max ms", "CPU ms", "goal < 15 ms?", "load")]
    for i, r in enumerate(scores, 1):
        met = r["ms_median"] < GOAL_MS
        ok = ok and met
        table.append((str(i), f"{r['creatives']} x {r['passes']}", f"{r['ms_median']:.2f}", f"{r['ms_p95']:.2f}",
                      f"{r['ms_max']:.2f}", f"{r['cpu_ms_per_creative']:.2f}", "yes" if met else "NO",
                      f"{r.get('load1', 0):.2f}"))
    print_rows(table)
    if scores:
        best = min(scores, key=lambda r: r["ms_median"])
        total = sum(s["mean"] for s in best["stage_ms"].values())
        print()
        print(f"Where the time goes (run {scores.index(best) + 1}; per creative, median and mean over the corpus)")
        table = [("stage", "median ms", "mean ms", "share of the mean")]
        for name, s in best["stage_ms"].items():
            table.append((name, f"{s['median']:.3f}", f"{s['mean']:.3f}", f"{s['mean'] / total * 100:.0f}%"))
        table.append(("sum", "", f"{total:.3f}", "100%"))
        print_rows(table)

    hashes = [r for r in rows if r["bench"] == "phash"]
    ours = [r for r in hashes if r["impl"] == "adgen"]
    theirs = [r for r in hashes if r["impl"] == "imagehash"]
    print()
    print("pHash alone, decode included, one process, files in memory (images/s: the median pass of each round)")
    table = [("implementation", "images/s", "ms/image", "CPU ms/image", "ratio to imagehash", "goal >= 5x?", "load")]
    reference = max((r["images_per_second"] for r in theirs), default=None)
    for r in hashes:
        ratio = r["images_per_second"] / reference if reference else None
        goal = "-"
        if r["impl"] == "adgen" and ratio is not None:
            goal = "yes" if ratio >= GOAL_RATIO else "NO"
        table.append((r["impl"], f"{r['images_per_second']:.1f}", f"{r['ms_per_image']:.2f}",
                      f"{r['cpu_ms_per_image']:.2f}", f"{ratio:.2f}x" if ratio else "n/a", goal,
                      f"{r.get('load1', 0):.2f}"))
    if theirs:
        table.append(("(Pillow decode alone)", f"{max(r['pillow_decode_per_second'] for r in theirs):.1f}", "", "",
                      "", "", ""))
    print_rows(table)
    if ours and reference:
        best_ratio = max(r["images_per_second"] for r in ours) / reference
        ok = ok and best_ratio >= GOAL_RATIO
        print(f"adgen's best round against imagehash's best round: {best_ratio:.2f}x (goal >= {GOAL_RATIO:.0f}x)")
    if theirs:
        print(f"reference: {theirs[0]['versions']}")

    for r in rows:
        if r["bench"] == "agreement":
            print()
            print(f"pHash agreement on the corpus: {r['equal']}/{r['images']} equal to imagehash's, "
                  f"{r['within_2_bits']}/{r['images']} within 2 bits, largest distance {r['max_bits']} bits"
                  + (f"; {r['missing']} files hashed by only one side" if r["missing"] else ""))
            for d in r["differing"]:
                print(f"  {d}")
            ok = ok and r["within_2_bits"] == r["images"] and not r["missing"]

    print()
    print("goals: " + ("all met" if ok else "NOT all met"))
    if args.strict and not ok:
        sys.exit(1)


def print_rows(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("phash")
    p.add_argument("corpus")
    p.add_argument("--passes", type=int, default=5)
    p.add_argument("--hashes")
    p = sub.add_parser("agree")
    p.add_argument("adgen")
    p.add_argument("imagehash")
    p = sub.add_parser("table")
    p.add_argument("results")
    p.add_argument("run")
    p.add_argument("--strict", action="store_true")
    args = parser.parse_args()
    {"phash": run_phash, "agree": run_agree, "table": run_table}[args.mode](args)


if __name__ == "__main__":
    main()
