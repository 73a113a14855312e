"""List the import cycles inside src/ledgerlink, and the imports that run against its layers.

    python scripts/import_cycles.py            # every cycle and every upward import
    python scripts/import_cycles.py --module   # only cycles made of module-level imports (and the layers)
    python scripts/import_cycles.py --layers   # only the layer check

An import is *module-level* when it runs as the module loads (top level, or inside a top-level
``if``/``try``), and *function-level* when it sits inside a function or method body: those run later
and so can close a cycle Python tolerates, but the cycle is still a layer running backwards.
Imports under ``if TYPE_CHECKING:`` are left out: they never run.

A cycle is a strongly connected group of modules; each is printed with the edges that bind it,
every edge tagged ``module`` or ``function``. Exits 1 when a cycle is found other than the models
registry's (``is_models_registry``).

The layers (``LAYERS``, bottom to top) say which way imports may point: a module imports from its own
layer or the ones below. An import from a higher layer, module- or function-level, is reported unless its
line, or a comment line directly above it (or above the run of imports it belongs to), says
``# upward: <why>``, or it is in ``ALLOWED_UPWARD``. Exits 1 when one is reported, when a module is in no
layer, or when an allowance names an import that is gone.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "ledgerlink"

# The one cycle kept on purpose: db.load_models imports every domain's models (in a function) so that
# SQLAlchemy's registry and Alembic see all tables, and each models module imports db.Base. A cycle is this
# one when its every edge is `<domain>.models -> db` or `db -> <domain>.models`.
MODELS_REGISTRY = "ledgerlink.db"


def is_models_registry(group: list[str], edges: dict[str, dict[str, str]]) -> bool:
    members = set(group)
    return MODELS_REGISTRY in members and all(
        (a == MODELS_REGISTRY and b.endswith(".models")) or (b == MODELS_REGISTRY and a.endswith(".models"))
        for a in group
        for b in edges[a]
        if b in members
    )


# Bottom to top; a module belongs to the layer of the longest prefix that names it. Read from the code: what
# each package imports decides where it sits, so a line here moves only with the imports it describes.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # A migration replays as it ran when written: it imports nothing of the live code (0004 keeps a copy).
    ("migrations", ("ledgerlink.migrations.versions",)),
    ("engine and logs", ("ledgerlink", "ledgerlink.db", "ledgerlink.logging")),
    ("kit", ("ledgerlink.kit",)),
    ("settings", ("ledgerlink.config",)),
    ("job queue", ("ledgerlink.jobs",)),
    ("data-type registry and record store", ("ledgerlink.records",)),
    ("tenants", ("ledgerlink.clients",)),
    ("connectors", ("ledgerlink.connectors",)),
    # The outbox, and the fan-out of its events into deliveries in the transaction that writes them (SQL and a
    # job deferral only; sending them is `webhooks`' above). The table of clients' saved app credentials sits
    # here with the integrations, whose `enabled` joins it; the rule that resolves them is above.
    (
        "integrations and the outbox",
        (
            "ledgerlink.integrations",
            "ledgerlink.app_credentials.models",
            "ledgerlink.events",
            "ledgerlink.webhooks.dispatch",
        ),
    ),
    # A company owns its connections, and the company views show them: one layer.
    ("companies and connections", ("ledgerlink.companies", "ledgerlink.connections")),
    # A company's uploaded files: their checks, stores and Files API (Link and the Portal show them).
    ("files", ("ledgerlink.files",)),
    ("what a client configures", ("ledgerlink.app_credentials", "ledgerlink.settings")),
    ("oauth", ("ledgerlink.oauth",)),
    ("operations", ("ledgerlink.sync", "ledgerlink.push", "ledgerlink.webhooks", "ledgerlink.link")),
    ("commerce", ("ledgerlink.commerce",)),
    # Lending reads what the read API assembles (statements), and the Portal shows Lending's reports.
    ("read API and Lending", ("ledgerlink.data", "ledgerlink.lending")),
    ("Portal and docs", ("ledgerlink.portal", "ledgerlink.apidocs")),
    (
        "composition",
        (
            "ledgerlink.app",
            "ledgerlink.worker",
            "ledgerlink.worker_process",
            "ledgerlink.database",
            "ledgerlink.migrations",
            "ledgerlink.cli",
            "ledgerlink.__main__",
        ),
    ),
)

# Upward imports (importer, imported) allowed without a `# upward:` comment at the line: none since issue 17
# (the worker's composition moved to worker.py, the OAuth vocabulary to connectors/authorization.py).
ALLOWED_UPWARD: set[tuple[str, str]] = set()

UPWARD = "# upward:"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = ROOT, *, migrations: bool = False) -> dict[str, Path]:
    """The package's modules by name; migration versions only when asked (nothing imports them)."""
    found = {module_name(p, root): p for p in (root / PACKAGE).rglob("*.py")}
    return {name: path for name, path in found.items() if migrations or ".migrations.versions." not in name}


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


Import = tuple[str, str, ast.Import | ast.ImportFrom]


def imports(name: str, tree: ast.Module, is_package: bool) -> Iterator[Import]:
    """(imported name, kind, statement) for every import statement of the module."""

    def visit(node: ast.AST, kind: str) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and is_type_checking(child.test):
                yield from (item for stmt in child.orelse for item in visit_one(stmt, kind))
                continue
            yield from visit_one(child, kind)

    def visit_one(node: ast.AST, kind: str) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, kind, node
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield f"{base}.{alias.name}", kind, node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from visit(node, "function")
        else:
            yield from visit(node, kind)

    yield from visit(tree, "module")


def graph(known: dict[str, Path]) -> dict[str, dict[str, str]]:
    edges: dict[str, dict[str, str]] = {name: {} for name in known}
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        for target, kind, _ in imports(name, tree, path.name == "__init__.py"):
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


def layer_of(name: str) -> int | None:
    """The index in ``LAYERS`` of the longest prefix naming the module (the package itself only exactly)."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = name == prefix or (prefix != PACKAGE and name.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def excused(lines: list[str], statement: ast.stmt, ends: dict[int, int]) -> bool:
    """Whether the import says why it points upward: ``# upward:`` on its lines, or on a comment line
    directly above it or above the run of imports it belongs to (``ends``: last line -> first line)."""
    end = statement.end_lineno or statement.lineno
    if any(UPWARD in line for line in lines[statement.lineno - 1 : end]):
        return True
    above = statement.lineno - 1
    while above >= 1:
        text = lines[above - 1].strip()
        if text.startswith(UPWARD):
            return True
        if text.startswith("#"):
            above -= 1
        elif above in ends:
            above = ends[above] - 1
        else:
            return False
    return False


@dataclass(frozen=True)
class Upward:
    """An import from a higher layer (or from or into a module no layer names: ``layer`` None)."""

    importer: str
    imported: str
    kind: str
    line: int
    importer_layer: int | None
    imported_layer: int | None

    def __str__(self) -> str:
        def layer(index: int | None) -> str:
            return "no layer" if index is None else LAYERS[index][0]

        return (
            f"{self.importer}:{self.line} ({layer(self.importer_layer)}) -> {self.imported} "
            f"({layer(self.imported_layer)})  ({self.kind})"
        )


def upward_imports(known: dict[str, Path]) -> list[Upward]:
    """Every import pointing to a higher layer that neither says why nor is in ``ALLOWED_UPWARD``."""
    found: list[Upward] = []
    for name, path in sorted(known.items()):
        source = path.read_text()
        tree = ast.parse(source, str(path))
        lines = source.splitlines()
        ends = {
            node.end_lineno or node.lineno: node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
        }
        own = layer_of(name)
        for target, kind, statement in imports(name, tree, path.name == "__init__.py"):
            resolved = resolve(target, known)
            if resolved is None or resolved == name:
                continue
            theirs = layer_of(resolved)
            if own is not None and theirs is not None and theirs <= own:
                continue
            if (name, resolved) in ALLOWED_UPWARD or excused(lines, statement, ends):
                continue
            upward = Upward(name, resolved, kind, statement.lineno, own, theirs)
            if upward not in found:  # one statement importing several names from the module
                found.append(upward)
    return found


def check_layers(known: dict[str, Path]) -> int:
    """Print the upward imports, the modules in no layer and the allowances no longer used; their count."""
    unplaced = sorted(name for name in known if layer_of(name) is None)
    for name in unplaced:
        print(f"no layer: {name} (add it to LAYERS)")
    upward = upward_imports(known)
    for found in upward:
        print(f"upward: {found}")
    edges = graph(known)
    stale = sorted(pair for pair in ALLOWED_UPWARD if pair[1] not in edges.get(pair[0], {}))
    for importer, imported in stale:
        print(f"stale: {importer} -> {imported} is no longer imported (drop it from ALLOWED_UPWARD)")
    print(
        f"{len(upward)} upward import(s), {len(unplaced)} module(s) in no layer, "
        f"{len(stale)} stale allowance(s)"
    )
    return len(upward) + len(unplaced) + len(stale)


def check_cycles(known: dict[str, Path], module_only: bool) -> int:
    """Print the import cycles; the number that are not the models registry's."""
    edges = graph(known)
    if module_only:
        edges = {a: {b: k for b, k in out.items() if k == "module"} for a, out in edges.items()}
    groups = strongly_connected(edges)
    unexpected = 0
    for group in groups:
        allowed = is_models_registry(group, edges)
        unexpected += not allowed
        label = "allowed (the models registry in db.py)" if allowed else "cycle"
        print(f"{label}: {len(group)} modules")
        if allowed:
            continue
        members = set(group)
        for a in group:
            for b, kind in sorted(edges[a].items()):
                if b in members:
                    print(f"    {a} -> {b}  ({kind})")
    print(f"{len(groups)} cycle(s), {unexpected} not allowed")
    return unexpected


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--module", action="store_true", help="only cycles of module-level imports")
    parser.add_argument("--layers", action="store_true", help="only the layer check")
    args = parser.parse_args()
    failures = 0
    if not args.layers:
        failures += check_cycles(modules(), args.module)
    failures += check_layers(modules(migrations=True))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
