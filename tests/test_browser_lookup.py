"""A fresh machine without Chromium: ``make test`` skips the browser tests with
one line, except under ``CI=true``, where they fail; with a Chromium found
where a user's machine keeps one, they run in it.

Each case runs pytest for real in a new process, on a small test file, with
the browser plugin (tests/support/browser.py) and an environment arranged so that only
the Chromium the case wants can be found: ``PATH`` holds only Python's folder
(and the case's own), Playwright's browsers folder is the case's, and
``/usr/bin/chromium``, if this machine has it, is hidden behind an empty file
in a private mount namespace (``unshare``), which nothing else sees.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.browser import SYSTEM_CHROMIUM

ROOT = Path(__file__).resolve().parent.parent

BROWSER_TESTS = """
import os

import pytest


@pytest.mark.e2e
def test_marked_e2e():
    pass


def test_using_a_page(page, chromium_executable):
    assert chromium_executable == os.environ["EXPECTED_CHROMIUM"]
    page.set_content("<p>Chromium runs</p>")
    assert page.text_content("p") == "Chromium runs"


def test_without_a_browser():
    pass
"""

SKIP_LINE = (
    "ReMarket: 2 browser tests skipped: no Chromium found (looked for "
    "/usr/bin/chromium, chromium or chromium-browser on PATH, Playwright's own "
    "browser). To run them: apt-get install chromium (Debian, Ubuntu) or "
    ".venv/bin/playwright install chromium, then make test."
)


def _real_chromium() -> Path | None:
    """Debian's Chromium binary (``/usr/bin/chromium`` is a wrapper script)."""
    for candidate in (Path("/usr/lib/chromium/chromium"),):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture
def run_pytest(tmp_path):
    """Run pytest on BROWSER_TESTS with no Chromium but the ones a case adds."""
    (tmp_path / "test_browsers.py").write_text(BROWSER_TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    # Loaded as tests/conftest.py loads it (after pytest-playwright, whose
    # launch arguments it overrides).
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["tests.support.browser"]\n'
    )
    hidden_system = os.path.exists(SYSTEM_CHROMIUM)
    empty = tmp_path / "not-chromium"
    empty.write_text("")
    if hidden_system and not _can_hide(empty):
        pytest.skip(f"{SYSTEM_CHROMIUM} exists and cannot be hidden here (unshare)")

    def run(*, path: list[Path] = (), expected: str = "", **env: str):
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CI", "PLAYWRIGHT_BROWSERS_PATH", "DJANGO_SETTINGS_MODULE"}
        }
        environment.update(
            PATH=os.pathsep.join([*map(str, path), str(Path(sys.executable).parent)]),
            PLAYWRIGHT_BROWSERS_PATH=str(tmp_path / "playwright-browsers"),
            PYTHONPATH=str(ROOT),
            EXPECTED_CHROMIUM=expected,
            **env,
        )
        command = [sys.executable, "-m", "pytest", "-p", "no:django", "-q"]
        command += ["test_browsers.py"]
        if hidden_system:
            # Found on this process's PATH: the case's own holds only Python.
            command = [
                shutil.which("unshare"), "--mount", "--propagation", "private",
                "--", shutil.which("sh"), "-c",
                '"$0" --bind "$1" "$2" && shift 2 && exec "$@"',
                shutil.which("mount"), str(empty), SYSTEM_CHROMIUM, *command,
            ]  # fmt: skip
        return subprocess.run(
            command,
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=180,
        )

    return run


def _can_hide(empty: Path) -> bool:
    unshare = shutil.which("unshare")
    if unshare is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(
        [unshare, "--mount", "--propagation", "private", "--", "sh", "-c",
         f'mount --bind "{empty}" {SYSTEM_CHROMIUM} && ! test -x {SYSTEM_CHROMIUM}'],
        capture_output=True,
    )  # fmt: skip
    return probe.returncode == 0


def test_without_chromium_the_browser_tests_are_skipped_with_one_line(run_pytest):
    completed = run_pytest()
    output = completed.stdout

    assert completed.returncode == 0, output + completed.stderr
    assert "1 passed, 2 skipped in" in output
    lines = [line for line in output.splitlines() if "browser test" in line]
    assert lines == [SKIP_LINE]


def test_without_chromium_under_ci_the_browser_tests_fail(run_pytest):
    completed = run_pytest(CI="true")
    output = completed.stdout

    assert completed.returncode == 1, output + completed.stderr
    assert "1 passed, 2 errors in" in output
    assert "skipped" not in output
    assert "warning" not in output
    assert "CI=true and no Chromium found" in output
    assert "ReMarket: 2 browser tests failed: CI=true and no Chromium found." in output


def test_chromium_on_path_is_found_and_runs_the_browser_tests(run_pytest, tmp_path):
    real = _real_chromium()
    if real is None:
        pytest.skip("no Chromium binary on this machine to put on PATH")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "chromium-browser").symlink_to(real)

    completed = run_pytest(
        path=[bin_dir], expected=str(bin_dir / "chromium-browser"), CI="true"
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "3 passed" in completed.stdout
    assert "browser tests skipped" not in completed.stdout


def test_playwrights_own_chromium_is_found_and_runs_the_browser_tests(
    run_pytest, tmp_path
):
    real = _real_chromium()
    if real is None:
        pytest.skip("no Chromium binary on this machine to stand for Playwright's")
    # Where `playwright install chromium` would put it, for this folder.
    browsers = tmp_path / "playwright-browsers"
    where = subprocess.run(
        [sys.executable, "-c",
         "from playwright.sync_api import sync_playwright\n"
         "with sync_playwright() as p: print(p.chromium.executable_path)"],
        env={**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(browsers)},
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(where).parent.mkdir(parents=True)
    Path(where).symlink_to(real)

    completed = run_pytest(expected=where)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "3 passed" in completed.stdout
