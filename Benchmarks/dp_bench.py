#!/usr/bin/env python3
"""dynamicprompts side of the expansion benchmark (run it with a Python that has dynamicprompts 0.31.0).

  dp_bench.py --template-file FILE --wildcards DIR --n N
      Time CombinatorialPromptGenerator.generate(template, max_prompts=N) (its public API: it returns the whole
      list) plus one pass over the prompts, and print one JSON line:
      {"n", "seconds", "prompts_per_second", "peak_rss_mib", "rss_before_mib", "dynamicprompts", "checksum"}.
      peak_rss_mib is resource.getrusage(RUSAGE_SELF).ru_maxrss at the end (the process' high-water mark);
      rss_before_mib the RSS just before generate().

  dp_bench.py --template-file FILE --wildcards DIR --print
      Print every prompt of the template, one per line (for the multiset check against adgen).
"""
from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
import warnings
from importlib.metadata import version


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template-file", required=True, help="file holding the template (one line)")
    parser.add_argument("--wildcards", required=True, help="wildcard folder")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--n", type=int, help="prompts to generate (max_prompts)")
    mode.add_argument("--print", action="store_true", help="print every prompt, one per line")
    args = parser.parse_args()

    logging.getLogger("dynamicprompts").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    from dynamicprompts.generators import CombinatorialPromptGenerator
    from dynamicprompts.wildcards import WildcardManager

    with open(args.template_file, encoding="utf-8") as f:
        template = f.read().rstrip("\n")
    generator = CombinatorialPromptGenerator(wildcard_manager=WildcardManager(args.wildcards))

    if args.print:
        out = sys.stdout
        for prompt in generator.generate(template, max_prompts=None):
            out.write(prompt + "\n")
        return 0

    before = rss_mib()
    start = time.perf_counter()
    prompts = generator.generate(template, max_prompts=args.n)
    checksum = sum(len(p) for p in prompts)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    if len(prompts) != args.n:
        print(f"dp_bench.py: dynamicprompts made {len(prompts)} prompts, not {args.n}", file=sys.stderr)
        return 1
    print(json.dumps({
        "n": len(prompts),
        "seconds": round(elapsed, 4),
        "prompts_per_second": round(len(prompts) / elapsed),
        "peak_rss_mib": round(peak, 2),
        "rss_before_mib": round(before, 2),
        "dynamicprompts": version("dynamicprompts"),
        "checksum": checksum,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
