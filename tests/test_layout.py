"""The shape of the house (docs/design.md): layers import only downwards, no import cycles, short modules and
functions. Read from the source with `ast`; nothing is imported."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gsfm_model", "index", "assistant")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# Layers from the bottom up; a module may import its own layer and the layers below it.
LAYERS = [
    ("errors", ("gsfm_model.errors",)),
    ("data", ("gsfm_model.data",)),
    ("model", ("gsfm_model",)),
    ("index", ("index",)),
    ("llm", ("assistant.llm",)),
    ("tools", ("assistant.tools",)),
    ("chat", ("assistant.chat",)),
    ("front ends", ("assistant.app", "assistant.cli", "assistant.mcp")),
    ("entry point", ("assistant.main", "assistant")),
]
FRONT_ENDS = ("assistant.app", "assistant.cli", "assistant.mcp")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module that `name` (a module or a name inside one) refers to."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every project module `name` imports, at module level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import mod` imports the module; `from mod import name` imports the module holding name
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            hit = _resolve(target, modules)
            if hit and hit != name and not (path.name != "__init__.py" and _within(name, hit) and hit != name
                                            and modules[hit].name == "__init__.py"):
                found.add(hit)
    return found


def _layer(name: str) -> int:
    """The index in LAYERS of the most specific layer holding `name`."""
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if _within(name, prefix) and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    assert best is not None, name
    return best


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _sources()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_no_module_imports_a_layer_above_it(graph):
    upward = [f"{a} ({LAYERS[_layer(a)][0]}) -> {b} ({LAYERS[_layer(b)][0]})"
              for a, targets in graph.items() for b in targets
              if _layer(b) > _layer(a)]
    assert not upward, "\n".join(upward)


def test_front_ends_do_not_import_each_other(graph):
    crossing = [f"{a} -> {b}" for a, targets in graph.items() for b in targets
                for fa in FRONT_ENDS for fb in FRONT_ENDS
                if fa != fb and _within(a, fa) and _within(b, fb)]
    assert not crossing, "\n".join(crossing)


def test_there_are_no_import_cycles(graph):
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "\n".join(cycles)


def test_modules_and_functions_are_short():
    long = []
    for path in _sources().values():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: "
                                f"{node.end_lineno - start + 1} lines")
    assert not long, "\n".join(long)
