"""Imports run one way: no module of the field work, the field app, the API, the registry or the jobs imports one
that imports it back (the registry's calls run task → job → service → importer → guards).

Every ``import`` counts, those inside a function too (a late import hides a cycle, it does not remove it).
``fieldwork.access`` is at the bottom of the field work; the API's authentications and error helper live in
``api/base.py``, which the root and the routers import and which imports neither.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "switchoff"
CHECKED = (
    "switchoff.fieldwork",
    "switchoff.fieldapp",
    "switchoff.api",
    "switchoff.subscribers",
    "switchoff.jobs",
    "switchoff.ops",
    "switchoff.devices",
)


def _graph() -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # A package's own modules importing each other through it is not an arrow back.
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
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
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_field_work_the_field_app_and_the_api_import_one_way() -> None:
    cycles = [c for c in _cycles(_graph()) if any(m.startswith(CHECKED) for m in c)]
    assert cycles == []


def test_the_registry_calls_run_task_job_service_importer_guards() -> None:
    graph = _graph()
    sub = "switchoff.subscribers."
    assert sub + "jobs" in graph[sub + "tasks"] and sub + "services" in graph[sub + "jobs"]
    assert not {sub + "tasks", sub + "jobs"} & graph[sub + "services"]  # services queue by the lease's kind
    assert not {m for m in graph[sub + "guards"] if m.startswith(sub + "importer")}  # not even for its types
    assert not {m for m in graph if m.startswith(sub + "importer") and sub + "services" in graph[m]}


def test_the_checker_sees_a_late_import_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
