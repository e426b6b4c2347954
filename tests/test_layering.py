"""The apps' floors are guarded: lint-imports (run by make lint) keeps the
contracts in pyproject.toml on the real code, and refuses a new upward import
or an import of the demo, naming the import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "marketplace",
    "refurbishers",
    "listings",
    "orders",
    "quality",
    "seller_dashboard",
    "demo",
)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def house(tmp_path: Path) -> Path:
    """A copy of the apps' Python code and of the contracts, to break."""
    for app in APPS:
        shutil.copytree(
            ROOT / app,
            tmp_path / app,
            ignore=shutil.ignore_patterns("templates", "static", "__pycache__"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_every_contract():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


# (new module, its one line, the words of the broken contract)
FORBIDDEN = [
    (
        "listings/upward.py",
        "import quality.models",
        "listings is not allowed to import quality",
    ),
    (
        "marketplace/upward.py",
        "from orders import models",
        "marketplace is not allowed to import orders",
    ),
    (
        "refurbishers/upward.py",
        "import seller_dashboard.views",
        "refurbishers is not allowed to import seller_dashboard",
    ),
    (
        "seller_dashboard/sideways.py",
        "import demo.seed",
        "seller_dashboard is not allowed to import demo",
    ),
    (
        "orders/uses_demo.py",
        "from demo import orders",
        "No production module imports the demo",
    ),
]


@pytest.mark.parametrize(("module", "line", "contract"), FORBIDDEN)
def test_a_forbidden_import_fails_naming_it(house, module, line, contract):
    (house / module).write_text(f"{line}\n")

    result = _lint_imports(house)

    assert result.returncode == 1
    assert contract in result.stdout
    imported = line.split()[1]
    assert f"{module[:-3].replace('/', '.')} -> {imported}" in result.stdout
