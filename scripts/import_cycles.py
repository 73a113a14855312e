"""List the import cycles inside src/ledgerlink.

    python scripts/import_cycles.py            # every cycle, module-level and function-level
    python scripts/import_cycles.py --module   # only cycles made of module-level imports

An import is *module-level* when it runs as the module loads (top level, or inside a top-level
``if``/``try``), and *function-level* when it sits inside a function or method body: those run later
and so can close a cycle Python tolerates, but the cycle is still a layer running backwards.
Imports under ``if TYPE_CHECKING:`` are left out: they never run.

A cycle is a strongly connected group of modules; each is printed with the edges that bind it,
every edge tagged ``module`` or ``function``. Exits 1 when a cycle is found that is not in ``ALLOWED``.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "ledgerlink"

# The one cycle kept on purpose: db.py imports every domain's models so that SQLAlchemy's registry
# (and Alembic's autogenerate) sees all tables, and the models import db.Base.
ALLOWED: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {module_name(p): p for p in (ROOT / PACKAGE).rglob("*.py")}
    return {name: path for name, path in found.items() if ".migrations.versions." not in name}


def resolve(target: str, known: dict[str, Path]) -> str | None:
    """The longest known module that ``target`` names (``a.b.c`` may be ``a.b`` and its name ``c``)."""
    while target:
        if target in known:
            return target
        target = target.rpartition(".")[0]
    return None


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(name: str, tree: ast.Module, is_package: bool) -> Iterator[tuple[str, str]]:
    """(imported name, kind) for every import statement of the module."""

    def visit(node: ast.AST, kind: str) -> Iterator[tuple[str, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and is_type_checking(child.test):
                yield from (item for stmt in child.orelse for item in visit_one(stmt, kind))
                continue
            yield from visit_one(child, kind)

    def visit_one(node: ast.AST, kind: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, kind
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield f"{base}.{alias.name}", kind
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from visit(node, "function")
        else:
            yield from visit(node, kind)

    yield from visit(tree, "module")


def graph(known: dict[str, Path]) -> dict[str, dict[str, str]]:
    edges: dict[str, dict[str, str]] = {name: {} for name in known}
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        for target, kind in imports(name, tree, path.name == "__init__.py"):
            resolved = resolve(target, known)
            if resolved is None or resolved == name or not resolved.startswith(PACKAGE + "."):
                continue
            if edges[name].get(resolved) != "module":
                edges[name][resolved] = kind
    return edges


def strongly_connected(edges: dict[str, dict[str, str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; groups of two or more modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--module", action="store_true", help="only module-level imports")
    args = parser.parse_args()
    edges = graph(modules())
    if args.module:
        edges = {a: {b: k for b, k in out.items() if k == "module"} for a, out in edges.items()}
    groups = strongly_connected(edges)
    unexpected = 0
    for group in groups:
        allowed = frozenset(group) in ALLOWED
        unexpected += not allowed
        label = "allowed" if allowed else "cycle"
        print(f"{label}: {len(group)} modules")
        members = set(group)
        for a in group:
            for b, kind in sorted(edges[a].items()):
                if b in members:
                    print(f"    {a} -> {b}  ({kind})")
    print(f"{len(groups)} cycle(s), {unexpected} not allowed")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
