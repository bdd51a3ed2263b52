"""imagehash's phash for the fixtures, and the comparison with adgen's. Run through scripts/phash/compare.sh.

    phash_compare.py regenerate FIXTURES            write FIXTURES/expected.json from imagehash
    phash_compare.py check FIXTURES ADGEN_JSONL     compare adgen's hashes (`adgen score --json` lines) with
                                                    expected.json; exit 1 when fewer than 95% are within 2 bits
    phash_compare.py hash FILE...                   print imagehash's phash of each file
"""

import collections
import itertools
import json
import pathlib
import sys
from importlib.metadata import version

import imagehash
from PIL import Image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
WITHIN = 2  # bits: agreement means adgen's hash is at most this far from imagehash's
REQUIRED_SHARE = 0.95
DUPLICATE_DISTANCE = 8  # bits: the scorer's near-duplicate threshold


def reference(path):
    with Image.open(path) as image:
        return str(imagehash.phash(image))


def fixtures(folder):
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def distance(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def regenerate(folder):
    expected = {p.name: reference(p) for p in fixtures(folder)}
    text = json.dumps(expected, indent=2, sort_keys=True) + "\n"
    (folder / "expected.json").write_text(text)
    print(f"wrote {len(expected)} hashes to {folder / 'expected.json'} "
          f"(imagehash {version('ImageHash')}, pillow {version('pillow')}, scipy {version('scipy')}, "
          f"numpy {version('numpy')})")


def check(folder, adgen_jsonl):
    expected = json.loads((folder / "expected.json").read_text())
    present = {p.name for p in fixtures(folder)}
    if present != set(expected):
        sys.exit(f"expected.json and the folder disagree: only in the folder {sorted(present - set(expected))}, "
                 f"only in expected.json {sorted(set(expected) - present)}; run compare.sh regenerate")

    # The committed reference must still be what imagehash says (a changed Pillow or scipy would show here).
    drift = {name: (hex_, reference(folder / name)) for name, hex_ in expected.items()}
    drift = {name: pair for name, pair in drift.items() if pair[0] != pair[1]}
    for name, (old, new) in sorted(drift.items()):
        print(f"warning: imagehash now gives {new} for {name}, expected.json has {old} "
              f"({distance(old, new)} bits)")

    adgen = {}
    for line in pathlib.Path(adgen_jsonl).read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            adgen[pathlib.Path(record["file"]).name] = record["phash"]
    missing = sorted(set(expected) - set(adgen))
    if missing:
        sys.exit(f"adgen printed no hash for {missing}")

    distances = {name: distance(expected[name], adgen[name]) for name in expected}
    width = max(map(len, expected))
    print(f"{'file':<{width}}  imagehash         adgen             bits")
    for name in sorted(expected):
        mark = "" if distances[name] <= WITHIN else "   <-- over"
        print(f"{name:<{width}}  {expected[name]}  {adgen[name]}  {distances[name]:4d}{mark}")
    histogram = collections.Counter(distances.values())
    print("\ndistribution (bits: files): " + ", ".join(f"{d}: {histogram[d]}" for d in sorted(histogram)))
    close = sum(1 for d in distances.values() if d <= WITHIN)
    share = close / len(distances)
    print(f"within {WITHIN} bits: {close}/{len(distances)} = {share:.1%} (required {REQUIRED_SHARE:.0%}); "
          f"exact: {histogram[0]}; mean {sum(distances.values()) / len(distances):.2f} bits")

    groups_file = folder / "groups.json"
    if groups_file.exists():
        groups = json.loads(groups_file.read_text())["groups"]
        grouped = [name for files in groups.values() for name in files]
        close_grouped = sum(1 for name in grouped if distances[name] <= WITHIN)
        print(f"pictures with content (the files of groups.json's groups): {close_grouped}/{len(grouped)} within "
              f"{WITHIN} bits; the rest: {close - close_grouped}/{len(distances) - len(grouped)}")
        report_groups(groups, expected, adgen)

    passed = share >= REQUIRED_SHARE
    print(f"{1 if passed else 0} passed, {0 if passed else 1} failed")
    sys.exit(0 if passed else 1)


def report_groups(groups, expected, adgen):
    """Distances inside each near-copy group and between groups, for both implementations."""
    for label, hashes in (("imagehash", expected), ("adgen", adgen)):
        copies = [(distance(hashes[a], hashes[b]), a, b)
                  for files in groups.values() for a, b in itertools.combinations(files, 2)]
        distinct = [(distance(hashes[a], hashes[b]), a, b)
                    for g, h in itertools.combinations(groups, 2) for a in groups[g] for b in groups[h]]
        print(f"\n{label}: near-copies (same group) {len(copies)} pairs, max {max(copies)[0]} bits "
              f"({max(copies)[1]} ~ {max(copies)[2]}); distribution {sorted(d for d, _, _ in copies)}")
        print(f"{label}: distinct pictures (different groups) {len(distinct)} pairs, min {min(distinct)[0]} bits "
              f"({min(distinct)[1]} / {min(distinct)[2]}); "
              f"<= {DUPLICATE_DISTANCE}: {sum(1 for d, _, _ in distinct if d <= DUPLICATE_DISTANCE)}; "
              f"lowest {sorted(d for d, _, _ in distinct)[:12]}")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "hash":
        for path in sys.argv[2:]:
            print(f"{reference(path)}  {path}")
    elif len(sys.argv) == 3 and sys.argv[1] == "regenerate":
        regenerate(pathlib.Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(pathlib.Path(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
