#!/usr/bin/env python3
"""Writes templates/comfyui/default-workflow-api.json into the Swift source of the built-in ComfyUI workflow.

Run after editing the JSON: python3 scripts/embed-workflows.py (a test fails while the two differ)."""
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
text = (root / "templates/comfyui/default-workflow-api.json").read_text()
assert '"""#' not in text
body = "".join(("        " + line if line.strip() else "") + "\n" for line in text.splitlines())
(root / "Sources/AdgenCore/Providers/ComfyUIWorkflow+Default.swift").write_text(
    "extension ComfyUIWorkflow {\n"
    "    /// The built-in txt2img workflow (API format; ComfyUI's `script_examples/basic_api_example.py`): the same as\n"
    "    /// `templates/comfyui/default-workflow-api.json` (a test checks; `python3 scripts/embed-workflows.py`\n"
    "    /// rewrites this file from it).\n"
    '    static let defaultSource = #"""\n' + body + '        """#\n}\n'
)
