"""A pytest plugin: the browser tests find a Chromium, or skip with one line.

The browser tests are those marked ``e2e`` and any that use a Playwright
fixture (``page``, ``browser``...). Before they run, a Chromium is looked for
where a user's machine has one, in this order:

1. ``/usr/bin/chromium`` (Debian's and Ubuntu's ``chromium`` package);
2. ``chromium`` or ``chromium-browser`` on ``PATH``;
3. Playwright's own, downloaded by ``playwright install chromium``.

Nothing is downloaded by a test run. Where no Chromium is found the browser
tests are skipped, and the run ends with one line saying how many and how to
run them; with ``CI=true`` they fail instead, as CI must run them all.

Loaded by ``tests/conftest.py``; it needs neither Django nor a database.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import pytest

SYSTEM_CHROMIUM = "/usr/bin/chromium"
PATH_NAMES = ("chromium", "chromium-browser")
# Playwright's fixtures that start a browser.
BROWSER_FIXTURES = frozenset(
    {"page", "context", "new_context", "browser", "launch_browser", "browser_type"}
)
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HOW_TO_GET_ONE = (
    "apt-get install chromium (Debian, Ubuntu) or .venv/bin/playwright install "
    "chromium, then make test"
)
LOOKED_FOR = (
    f"{SYSTEM_CHROMIUM}, {' or '.join(PATH_NAMES)} on PATH, Playwright's own browser"
)


@dataclass(frozen=True)
class Chromium:
    executable: str
    found_as: str  # where it was found, for messages


def _executable(path: str | None) -> bool:
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def _playwrights_own() -> str | None:
    """Where ``playwright install chromium`` puts Chromium, if it is there."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:  # no Playwright driver here: then no browser of its own
        return None
    return path if _executable(path) else None


def chromium_find() -> Chromium | None:
    """The first Chromium of the list in this module's docstring, or None."""
    if _executable(SYSTEM_CHROMIUM):
        return Chromium(SYSTEM_CHROMIUM, SYSTEM_CHROMIUM)
    for name in PATH_NAMES:
        found = shutil.which(name)
        if found:
            return Chromium(found, f"{name} on PATH")
    own = _playwrights_own()
    if own:
        return Chromium(own, "Playwright's own browser")
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def is_browser_test(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("e2e") is not None or bool(
        fixtures & BROWSER_FIXTURES
    )


_chromium_key = pytest.StashKey["Chromium | None"]()
# Node ids of the browser tests that have no Chromium to run in.
_missing_key = pytest.StashKey[set[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives a real Chromium through Playwright")
    config.stash[_missing_key] = set()


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    browser_tests = [item for item in items if is_browser_test(item)]
    if not browser_tests:
        return
    chromium = chromium_find()
    config.stash[_chromium_key] = chromium
    if chromium is not None:
        return
    config.stash[_missing_key] = {item.nodeid for item in browser_tests}
    if _in_ci():
        return  # they fail at setup (below), never skip
    for item in browser_tests:
        item.add_marker(pytest.mark.skip(reason=f"no Chromium found: {HOW_TO_GET_ONE}"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.nodeid in item.config.stash.get(_missing_key, set()):
        pytest.fail(
            f"CI=true and no Chromium found (looked for {LOOKED_FOR}): the browser "
            f"tests must run in CI. Install one: {HOW_TO_GET_ONE}.",
            pytrace=False,
        )


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    missing = config.stash.get(_missing_key, set())
    if not missing:
        return
    count = len(missing)
    tests = "browser test" if count == 1 else "browser tests"
    if _in_ci():
        line = (
            f"ReMarket: {count} {tests} failed: CI=true and no Chromium found. "
            f"Install one: {HOW_TO_GET_ONE}."
        )
        terminalreporter.write_line(line, red=True, bold=True)
    else:
        line = (
            f"ReMarket: {count} {tests} skipped: no Chromium found (looked for "
            f"{LOOKED_FOR}). To run them: {HOW_TO_GET_ONE}."
        )
        terminalreporter.write_line(line, yellow=True, bold=True)


@pytest.fixture(scope="session")
def chromium_executable(pytestconfig: pytest.Config) -> str:
    """The Chromium the browser tests launch."""
    chromium = pytestconfig.stash.get(_chromium_key, None) or chromium_find()
    if chromium is None:  # only reached by a test the collection did not see
        pytest.skip(f"no Chromium found: {HOW_TO_GET_ONE}")
    return chromium.executable


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict, chromium_executable: str
) -> dict:
    """Launch the Chromium found (Playwright's download host may be out of reach)."""
    args = list(CHROMIUM_ARGS)
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox as root
    return {
        **browser_type_launch_args,
        "executable_path": chromium_executable,
        "args": args,
    }
