#!/usr/bin/env python3
"""Reference expander: runs dynamicprompts 0.31.0's CombinatorialPromptGenerator.

Used by compare.sh (run it through the .build-venv interpreter, which has
dynamicprompts installed).  Modes:

  dp_expand.py --wildcards DIR --template T [--max-prompts N]
      Print every prompt dynamicprompts produces for T, one per line,
      in dynamicprompts' order.  Exit 1 (message on stderr) if dynamicprompts
      raises.

  dp_expand.py --wildcards DIR --corpus FILE --write
      Re-run every template of the corpus and rewrite its "expected" list.
      Refuses (exit 1, file untouched) if a template raises, is not
      deterministic, yields more than --limit prompts (default 500), or yields
      a prompt containing a newline.

  dp_expand.py --wildcards DIR --corpus FILE --check
      Verify that the corpus' "expected" lists equal what dynamicprompts
      produces live (same order).  Exit 1 on any mismatch.

  dp_expand.py --wildcards DIR --corpus FILE --compare ADGEN_BINARY
      For every template run dynamicprompts live and
      `ADGEN_BINARY expand --template T --wildcards DIR --format text`,
      compare both as multisets, print `ok`/`DIFF` per template and a final
      `N passed, M failed` line.  Exit 1 if anything failed.
"""
from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "Tests" / "AdgenCoreTests" / "Fixtures" / "dynamicprompts"
DEFAULT_WILDCARDS = FIXTURES / "wildcards"
DEFAULT_CORPUS = FIXTURES / "corpus.json"
DP_VERSION = "0.31.0"
# Safety cap for live runs of corpus templates (all are finite and small).
LIVE_CAP = 100_000


def _import_dp():
    try:
        import dynamicprompts  # noqa: F401
        from dynamicprompts import constants
        from dynamicprompts.generators import CombinatorialPromptGenerator
        from dynamicprompts.wildcards import WildcardManager
    except ImportError as exc:  # pragma: no cover
        sys.exit(
            f"dp_expand.py: cannot import dynamicprompts ({exc}); "
            "run it with .build-venv/bin/python (compare.sh creates that venv)",
        )
    from importlib.metadata import version

    got = version("dynamicprompts")
    if got != DP_VERSION:
        print(
            f"dp_expand.py: warning: dynamicprompts {got} installed, "
            f"reference is {DP_VERSION}",
            file=sys.stderr,
        )
    return constants, CombinatorialPromptGenerator, WildcardManager


def expand(template: str, wildcards: Path, max_prompts: int | None, seed: int = 0) -> list[str]:
    """All prompts dynamicprompts produces for `template`, in its order.

    A fresh WildcardManager/generator per call, so no state (wildcard caches,
    cyclical sampler state) leaks between templates.  `seed` seeds the global
    Random that `~` samplers use; it exists only to detect nondeterminism.
    """
    constants, CombinatorialPromptGenerator, WildcardManager = _import_dp()
    constants.DEFAULT_RANDOM.seed(seed)
    wm = WildcardManager(wildcards)
    gen = CombinatorialPromptGenerator(wildcard_manager=wm)
    return gen.generate(template, max_prompts=max_prompts)


def _quiet():
    logging.getLogger("dynamicprompts").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")


def load_corpus(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        corpus = json.load(f)
    if not isinstance(corpus, list):
        sys.exit(f"{path}: expected a JSON list")
    names = set()
    for entry in corpus:
        if not isinstance(entry, dict) or "name" not in entry or "template" not in entry:
            sys.exit(f"{path}: every entry needs 'name' and 'template': {entry!r}")
        if entry["name"] in names:
            sys.exit(f"{path}: duplicate name {entry['name']!r}")
        names.add(entry["name"])
    return corpus


def write_corpus(path: Path, corpus: list[dict]) -> None:
    text = json.dumps(corpus, indent=2, ensure_ascii=False) + "\n"
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def cmd_write(corpus_path: Path, wildcards: Path, limit: int) -> int:
    _quiet()
    corpus = load_corpus(corpus_path)
    problems = []
    out = []
    for entry in corpus:
        name, template = entry["name"], entry["template"]
        try:
            a = expand(template, wildcards, limit + 1, seed=1)
            b = expand(template, wildcards, limit + 1, seed=2)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{name}: dynamicprompts raised {type(exc).__name__}: {exc}")
            continue
        if a != b:
            problems.append(f"{name}: output is not deterministic (random sampler?)")
        if len(a) > limit:
            problems.append(f"{name}: more than {limit} prompts (or infinite)")
        bad = [p for p in a if "\n" in p or "\r" in p]
        if bad:
            problems.append(f"{name}: prompt contains a newline: {bad[0]!r}")
        out.append({"name": name, "template": template, "expected": a})
        print(f"{len(a):5d}  {name}")
    if problems:
        print("refusing to write corpus:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    write_corpus(corpus_path, out)
    print(f"wrote {len(out)} templates, {sum(len(e['expected']) for e in out)} prompts to {corpus_path}")
    return 0


def cmd_check(corpus_path: Path, wildcards: Path) -> int:
    _quiet()
    corpus = load_corpus(corpus_path)
    failed = 0
    for entry in corpus:
        live = expand(entry["template"], wildcards, LIVE_CAP)
        if live != entry.get("expected"):
            failed += 1
            print(f"MISMATCH {entry['name']}: corpus {len(entry.get('expected') or [])} prompts, live {len(live)}")
        else:
            print(f"ok       {entry['name']} ({len(live)})")
    print(f"{len(corpus) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _parse_text_output(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    if text == "":
        return []
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


def _short(s: str, n: int = 100) -> str:
    r = repr(s)
    return r if len(r) <= n else r[: n - 3] + "..."


def cmd_compare(corpus_path: Path, wildcards: Path, adgen: str, timeout: float) -> int:
    _quiet()
    corpus = load_corpus(corpus_path)
    passed = failed = 0
    width = max((len(e["name"]) for e in corpus), default=10)
    for entry in corpus:
        name, template = entry["name"], entry["template"]
        problems: list[str] = []
        try:
            dp = expand(template, wildcards, LIVE_CAP)
        except Exception as exc:  # noqa: BLE001
            dp = None
            problems.append(f"dynamicprompts raised {type(exc).__name__}: {exc}")
        ours = None
        cmd = [adgen, "expand", "--template", template, "--wildcards", str(wildcards), "--format", "text"]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            problems.append(f"adgen timed out after {timeout:g}s")
        except OSError as exc:
            problems.append(f"cannot run adgen: {exc}")
        else:
            if proc.returncode != 0:
                err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
                problems.append(f"adgen exit {proc.returncode}: {err[-1] if err else ''}")
            else:
                try:
                    ours = _parse_text_output(proc.stdout)
                except UnicodeDecodeError:
                    problems.append("adgen output is not UTF-8")
        if dp is not None and ours is not None:
            want, got = collections.Counter(dp), collections.Counter(ours)
            if want != got:
                missing = list((want - got).elements())
                extra = list((got - want).elements())
                problems.append(f"dynamicprompts {len(dp)} prompts, adgen {len(ours)}")
                for p in missing[:5]:
                    problems.append(f"  - {_short(p)}")
                if len(missing) > 5:
                    problems.append(f"  - ... {len(missing) - 5} more missing")
                for p in extra[:5]:
                    problems.append(f"  + {_short(p)}")
                if len(extra) > 5:
                    problems.append(f"  + ... {len(extra) - 5} more extra")
        if problems:
            failed += 1
            print(f"DIFF  {name:<{width}}  template={_short(template, 80)}")
            for p in problems:
                print(f"        {p}")
        else:
            passed += 1
            note = " (same multiset, different order)" if dp != ours else ""
            print(f"ok    {name:<{width}}  {len(dp)} prompts{note}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wildcards", type=Path, default=DEFAULT_WILDCARDS, help="wildcard folder (default: the fixture folder)")
    ap.add_argument("--template", help="expand this template and print the prompts")
    ap.add_argument("--max-prompts", type=int, default=100000, help="cap for --template (dynamicprompts' own default is 1000); 0 = unlimited")
    ap.add_argument("--corpus", type=Path, nargs="?", const=DEFAULT_CORPUS, help="corpus JSON file (default: the fixture corpus.json)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="regenerate the corpus' expected outputs")
    mode.add_argument("--check", action="store_true", help="verify the corpus' expected outputs against live dynamicprompts")
    mode.add_argument("--compare", metavar="ADGEN_BINARY", help="compare adgen's output with live dynamicprompts for every corpus template")
    ap.add_argument("--limit", type=int, default=500, help="max prompts per corpus template for --write")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per adgen run for --compare")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(encoding="utf-8", line_buffering=True)

    if args.template is not None:
        if args.corpus is not None:
            ap.error("--template and --corpus are exclusive")
        try:
            prompts = expand(args.template, args.wildcards, args.max_prompts or None)
        except Exception as exc:  # noqa: BLE001
            print(f"dynamicprompts raised {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        for p in prompts:
            sys.stdout.write(p + "\n")
        return 0
    if args.corpus is None:
        ap.error("need --template or --corpus")
    if args.write:
        return cmd_write(args.corpus, args.wildcards, args.limit)
    if args.check:
        return cmd_check(args.corpus, args.wildcards)
    if args.compare:
        return cmd_compare(args.corpus, args.wildcards, args.compare, args.timeout)
    ap.error("with --corpus, give one of --write, --check, --compare")
    return 2


if __name__ == "__main__":
    sys.exit(main())
