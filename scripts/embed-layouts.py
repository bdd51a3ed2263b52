#!/usr/bin/env python3
"""Writes templates/layouts/standard.yaml into the Swift source of the built-in `standard` layout.

Run after editing the YAML: python3 scripts/embed-layouts.py (a test fails while the two differ)."""
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
text = (root / "templates/layouts/standard.yaml").read_text()
assert '"""#' not in text
body = "".join(("        " + line if line.strip() else "") + "\n" for line in text.splitlines())
(root / "Sources/AdgenCore/Pipeline/LayoutTemplate+Standard.swift").write_text(
    "extension LayoutTemplate {\n"
    "    /// The text of the built-in `standard` layout: the same as `templates/layouts/standard.yaml` (a test checks;\n"
    "    /// `python3 scripts/embed-layouts.py` rewrites this file from it).\n"
    '    static let standardSource = #"""\n' + body + '        """#\n}\n'
)
