"""The house rules that keep briefing/ easy to carry on: no import circle, small modules, one
module per job (DESIGN.md "The house")."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "briefing"
MAX_LINES = 420  # "about 400": a module past this has more than one job


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> nx.DiGraph[str]:
    """Every import of one briefing module by another, at module level or inside a function
    (a function-level import that dodges a circle is still a circle in the design)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    for name, path in modules.items():
        graph.add_node(name)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and target.startswith("briefing"):
                    graph.add_edge(name, target)
    return graph


def test_the_import_graph_finds_imports() -> None:
    graph = import_graph()
    assert graph.has_edge("briefing.pipeline", "briefing.collect")
    assert graph.has_edge("briefing.config", "briefing.cron")


def test_no_import_circle() -> None:
    graph = import_graph()
    # a package's __init__ importing its own submodules is not a circle of design
    for node in list(graph):
        for target in list(graph.successors(node)):
            if target.startswith(node + "."):
                graph.remove_edge(node, target)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], "import circles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles)


def test_no_module_over_about_400_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}
