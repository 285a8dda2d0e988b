"""The house rules a reviewer would otherwise check by eye: one home per concern, short functions.

Each rule reads the source (``ast``), so a change that breaks one fails here with the place named.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "frugalbench"
MAX_FUNCTION_LINES = 80


def modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text())) for p in sorted(SRC.rglob("*.py"))]


def imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_meter_room_imports_no_carbon_results_or_presentation() -> None:
    outside = ("footprint", "results", "present", "report", "harness", "web", "cli", "tracking")
    wrong = [
        f"{path.relative_to(SRC)} imports {name}"
        for path, tree in modules()
        if path.parent.name == "measure"
        for name in imported(tree)
        if name.startswith(tuple(f"frugalbench.{o}" for o in outside))
    ]
    assert not wrong


def test_no_function_is_longer_than_a_screen() -> None:
    long = [
        f"{path.relative_to(SRC)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1})"
        for path, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long


def test_joules_per_kwh_is_written_once() -> None:
    places = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in (3.6e6, 3600000, 3.6e9)
    ]
    assert places == ["units.py:" + str(_line_of("J_PER_KWH = 3.6e6"))]


def _line_of(text: str) -> int:
    return (SRC / "units.py").read_text().splitlines().index(text) + 1


def test_one_presentation_package() -> None:
    printing = {"render.py", "charts.py", "plots.py"}
    stray = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if p.name in printing]
    assert all(s.startswith("present/") for s in stray), stray
    library = ("harness", "measure", "footprint", "results", "tasks")
    prints = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path, tree in modules()
        if path.relative_to(SRC).parts[0] in library
        for node in ast.walk(tree)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        )
        or (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("matplotlib"))
        or (
            isinstance(node, ast.Import)
            and any(a.name.startswith("matplotlib") for a in node.names)
        )
    ]
    assert not prints


def test_capabilities_are_declared_not_sniffed() -> None:
    """Whether ``fit`` takes annotations is a class attribute, not read off its signature."""
    sniffing = [
        str(p.relative_to(SRC)) for p, _ in modules() if ".fit).parameters" in p.read_text()
    ]
    assert not sniffing


def test_a_model_or_task_name_is_written_once() -> None:
    """Registered with ``add`` under its own ``name``, never with the name spelt again beside it."""
    twice = [
        f"{p.relative_to(SRC)}:{node.lineno}"
        for p, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "register"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in ("models", "tasks", "meters")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]
    assert not twice


def test_the_run_settings_are_built_in_one_place_in_the_cli() -> None:
    """Commands build their RunConfig through ``cli.common.run_config`` (defaults: its fields)."""
    direct = [
        str(p.relative_to(SRC))
        for p, tree in modules()
        if p.parent.name == "cli" and p.name != "common.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "RunConfig"
    ]
    assert not direct


def test_carbon_is_computed_in_one_place() -> None:
    """Energy x PUE x grid intensity is written once (``EmissionFactors``); a deployment scenario,
    the SCI and the projection take their carbon from it."""
    elsewhere = [
        f"{p.relative_to(SRC)}:{node.lineno}"
        for p, tree in modules()
        if p.relative_to(SRC) != Path("footprint/carbon.py")
        for node in ast.walk(tree)
        if isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mult)
        and any(
            isinstance(side, ast.Attribute) and side.attr == "intensity_g_per_kwh"
            for side in (node.left, node.right)
        )
    ]
    assert not elsewhere
