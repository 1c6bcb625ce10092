"""Problem codes: every code the check can report is registered (scripts/check/codes.py) with its meaning, and
docs/problem-codes.md is what the registry generates. (The fault corpus also asserts that every code it meets is
registered: tests/test_fault_corpus.py.)"""
from __future__ import annotations

import ast
import re

from scripts.check import codes, rules
from tests.conftest import ROOT

CHECK_DIR = ROOT / "scripts" / "check"
CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+|required")
ADDERS = {"add", "Refusal", "SchemaRefused", "Unusable", "render_unusable"}


def _literals(tree) -> list[str]:
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def passed_codes() -> set[str]:
    """The codes the check's modules pass where a code goes: the first string argument of add(...) (after a layer
    letter for Report.add), Refusal, SchemaRefused, Unusable and render_unusable, and the last argument of a rule's
    ctx.problem(...)."""
    found = set()
    for path in CHECK_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            arguments = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            if name in ADDERS and arguments:
                first = arguments[1] if name == "add" and arguments[0] in tuple("abcdef") and len(arguments) > 1 else arguments[0]
                if isinstance(first, str):
                    found.add(first)
            if name == "problem" and len(arguments) == 5 and isinstance(arguments[4], str):
                found.add(arguments[4])
    return found


def test_every_code_the_check_passes_is_registered():
    passed = passed_codes()
    assert len(passed) > 60
    unregistered = sorted(passed - set(codes.CHECK_TYPES) - set(codes.frictionless_types()))
    assert unregistered == [], f"codes used but not registered in scripts/check/codes.py: {unregistered}"


def test_every_registered_code_appears_in_the_check():
    written = {literal for path in CHECK_DIR.glob("*.py") if path.name != "codes.py"
               for literal in _literals(ast.parse(path.read_text(encoding="utf-8")))}
    unused = sorted(set(codes.CHECK_TYPES) - written)
    assert unused == [], f"registered codes no module of the check writes: {unused}"


def test_the_docs_page_is_generated_from_the_registry():
    assert (ROOT / codes.DOCS_PAGE).read_text(encoding="utf-8") == codes.render_docs(), \
        "docs/problem-codes.md is stale: run `python -m scripts.check.codes`"
    page = codes.render_docs()
    assert all(f"| `{code}` |" in page for code in codes.CHECK_TYPES)
    assert "| `foreign-key` |" in page and "| `primary-key` |" in page  # Frictionless's, listed from Frictionless


def test_a_rule_without_a_code_reports_under_its_name(monkeypatch):
    """A new rule that gives no code still reports one: its own name (registered once it is listed in codes.py)."""
    def every_party_named(ctx):
        for line, row in ctx.each("parties"):
            yield ctx.problem("parties", line, "name", "a message")

    monkeypatch.setattr(rules, "RULES", [every_party_named])
    context = rules.Context({"parties": [{"name": "x"}]}, {"parties": [2]}, {"parties": "data/parties.csv"}, {}, {})
    assert list(rules.run_all(context)) == [("every-party-named", "data/parties.csv", 2, "parties", "name", "a message")]


def test_a_frictionless_child_past_its_bound_is_stopped_and_reported(package, capsys, monkeypatch):
    import time

    from scripts.check import frictionless as layer_b
    from tests.check_helpers import check_located, nothing_known

    monkeypatch.setattr(layer_b, "CHILD_SECONDS", 0.3)
    nothing_known(monkeypatch)  # Frictionless must run
    monkeypatch.setattr(layer_b, "CHILD_FROM_BYTES", 0)  # in a child, however little it has to read
    monkeypatch.setattr(layer_b, "frictionless_findings", lambda *args: time.sleep(30))  # forked: the child's
    started = time.perf_counter()
    code, found, _ = check_located(package, capsys)
    assert code == 1 and "datapackage.json: frictionless-failed" in found["b"] and time.perf_counter() - started < 20
