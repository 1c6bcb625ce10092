"""The README's screenshots are those `make screenshots` writes (tests/test_browser.py, README_SCREENSHOTS), and
every one the README shows exists."""
from __future__ import annotations

import ast
import re

from tests.conftest import ROOT


def readme_screenshots() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"\]\(docs/screenshots/([\w-]+)\.png\)", readme))


def test_the_readme_shows_exactly_the_screenshots_the_browser_tests_write():
    # read the set from the test module's source: importing it would need Chromium and Playwright
    tree = ast.parse((ROOT / "tests" / "test_browser.py").read_text(encoding="utf-8"))
    assigned = next(node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                    and any(getattr(t, "id", None) == "README_SCREENSHOTS" for t in node.targets))
    assert readme_screenshots() == ast.literal_eval(assigned)
    for name in readme_screenshots():
        assert (ROOT / "docs" / "screenshots" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    assert {"entity", "article-layers"} <= readme_screenshots()
