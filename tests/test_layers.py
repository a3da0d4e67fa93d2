"""The packages import one way, downward, and no module takes part in an import cycle.

Every import counts, including the ones written inside a function to dodge a cycle at load
time: a rule that ``work`` applies belongs below ``work``, not hidden in a late import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import gigstation

ROOT = Path(gigstation.__file__).parent

# Lowest first. A package may import its own layer and the layers below it. ``data`` and
# ``migrations`` hold package files (JSON, SQL) and only the loaders beside them.
LAYERS = ["data", "migrations", "solver", "platform", "people", "stations", "work", "oversight", "sim", "api", "web",
          "top"]
# Modules straight under gigstation/ that compose the rest (the app, the servers, the CLI).
TOP = {"application", "asgi", "cli", "cli_ops", "__main__"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None  # the package itself: its __init__ holds the version only
    if parts[1] in TOP:
        return "top"
    return parts[1] if parts[1] in LAYERS else None


def _imports(path: Path, module: str, known: set[str]) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([node.module] if node.module else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        yield from (n for n in names if n in known and n != module)


def _graph() -> dict[str, set[str]]:
    paths = {_module(p): p for p in ROOT.rglob("*.py")}
    known = set(paths)
    return {m: set(_imports(p, m, known)) for m, p in paths.items()}


def _upward(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{m} -> {t}"
        for m, targets in graph.items()
        for t in targets
        if (lm := _layer(m)) and (lt := _layer(t)) and LAYERS.index(lt) > LAYERS.index(lm)
    )


def test_every_layer_imports_only_its_own_and_lower_layers() -> None:
    graph = _graph()
    unknown = sorted(m for m in graph if _layer(m) is None and m != "gigstation")
    assert unknown == [], f"modules outside every layer (add them to LAYERS or TOP): {unknown}"
    assert _upward(graph) == []


def test_no_module_takes_part_in_an_import_cycle() -> None:
    assert _cycles(_graph()) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_the_checker_sees_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    """The walk itself can fail: a planted upward import and a planted cycle are both found."""
    pkg = tmp_path / "gigstation"
    (pkg / "work").mkdir(parents=True)
    (pkg / "web").mkdir()
    for d in (pkg, pkg / "work", pkg / "web"):
        (d / "__init__.py").write_text("")
    (pkg / "work" / "a.py").write_text("from gigstation.web import b\nfrom . import c\n")
    (pkg / "work" / "c.py").write_text("def f():\n    from gigstation.work import a\n")
    (pkg / "web" / "b.py").write_text("")
    paths = {}
    for p in pkg.rglob("*.py"):
        parts = list(p.relative_to(tmp_path).with_suffix("").parts)
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    graph = {m: set(_imports(p, m, set(paths))) for m, p in paths.items()}
    assert _upward(graph) == ["gigstation.work.a -> gigstation.web", "gigstation.work.a -> gigstation.web.b"]
    assert _cycles(graph) == [["gigstation.work.a", "gigstation.work.c"]]
