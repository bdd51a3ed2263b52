#!/usr/bin/env python3
"""Writes prices/prices.yaml into the Swift source of the built-in price table.

Run after editing the YAML: python3 scripts/embed-prices.py (a test fails while the two differ)."""
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
text = (root / "prices/prices.yaml").read_text()
assert '"""#' not in text
body = "".join(("        " + line if line.strip() else "") + "\n" for line in text.splitlines())
(root / "Sources/AdgenCore/Providers/PriceTable+Data.swift").write_text(
    "extension PriceTable {\n"
    "    /// The text of the built-in price table: the same as `prices/prices.yaml` (a test checks;\n"
    "    /// `python3 scripts/embed-prices.py` rewrites this file from it).\n"
    '    static let builtInSource = #"""\n' + body + '        """#\n}\n'
)
