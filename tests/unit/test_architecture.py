"""The shape of the source tree: no import cycle anywhere in ``src/``, no module over 600 lines.

An import made inside a function counts like any other: a late import hides a cycle from Python
at start-up, not from the people who have to read both modules to change either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGES = ("storeapp", "ordersync")
MOST_LINES = 600
GENERATED = ("migrations",)
"""Folders of generated code (Alembic revisions), which are read as history, not as modules."""


def import_cycles(imports: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or through others (Tarjan's
    strongly connected components), a module importing itself included; sorted, so a failure
    reads the same every time."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a long chain of imports cannot exhaust Python's recursion limit.
        work = [(start, iter(sorted(imports.get(start, ()))))]
        index[start] = lowest[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = lowest[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(imports.get(target, ())))))
                    break
                if target in on_stack:
                    lowest[module] = min(lowest[module], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    lowest[parent] = min(lowest[parent], lowest[module])
                if lowest[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == module:
                            break
                    if len(group) > 1 or module in imports.get(module, ()):
                        cycles.append(sorted(group))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return sorted(cycles)


def source_imports() -> dict[str, set[str]]:
    graph = grimp.build_graph(*PACKAGES)
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}


def test_the_cycle_finder_finds_direct_indirect_and_self_imports() -> None:
    imports = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": set(),
        "e": {"e"},
        "f": {"d"},
    }
    assert import_cycles(imports) == [["a", "b", "c"], ["e"]]
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_of_src_imports_itself_back_through_others() -> None:
    imports = source_imports()
    assert len(imports) > 100, "the graph should hold every module of both packages"
    assert import_cycles(imports) == []


def test_no_module_of_src_is_over_600_lines() -> None:
    sizes = {
        str(path.relative_to(SRC)): len(path.read_text(encoding="utf-8").splitlines())
        for path in SRC.rglob("*.py")
        if not any(part in GENERATED for part in path.parts)
    }
    assert len(sizes) > 100
    assert {path: lines for path, lines in sizes.items() if lines > MOST_LINES} == {}
