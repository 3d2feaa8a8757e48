"""Shared fixtures: where the real MNIST files are (tests never download them), loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from digitnet.data.mnist import DATA_ENV_VAR, MNIST_FILES, MnistSplit, load_mnist
from digitnet.models_store import HOME_ENV_VAR

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = PROJECT_ROOT.parent / "shared" / "data" / "mnist"


@pytest.fixture(autouse=True)
def models_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A models folder of the test's own (``$DIGITNET_HOME``): no test touches the user's."""
    home = tmp_path_factory.mktemp("digitnet-home")
    monkeypatch.setenv(HOME_ENV_VAR, str(home))
    return home


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder of the four MNIST ``.gz`` files: ``$DIGITNET_DATA``, else ``../shared``."""
    override = os.environ.get(DATA_ENV_VAR)
    folder = Path(override).expanduser() if override else SHARED_MNIST
    missing = [name for name in MNIST_FILES if not (folder / name).is_file()]
    if missing:
        pytest.skip(
            f"MNIST files not found in {folder} (missing {', '.join(missing)}); "
            f"put them there or set {DATA_ENV_VAR}"
        )
    return folder


@pytest.fixture(scope="session")
def mnist(mnist_dir: Path) -> MnistSplit:
    """The book's 50,000 / 10,000 / 10,000 split of real MNIST as uint8 pixels, read once.

    Shared by the whole run: slice it, copy what you change, never write into it.
    """
    return load_mnist(mnist_dir, dtype=np.uint8, download=False)


#: Slow tests in files whose owners keep their markers here (file -> test names, None for
#: every test of the file), so ``pytest -m "not slow"`` is a quick inner loop. Elsewhere a
#: test says ``@pytest.mark.slow`` itself. Edit freely as those files change: a name that
#: no longer exists in its file stops the run with a message.
SLOW_ELSEWHERE: dict[str, tuple[str, ...] | None] = {
    "tests/web/test_browser.py": None,  # a browser drives the page
    "tests/test_reproduce.py": (
        "test_a_tiny_real_run_in_this_process",  # a reproduction on real MNIST
    ),
    "tests/cli/test_reproduce_command.py": (  # reproductions in worker processes
        "test_reproduce_prints_the_table_with_the_books_figures",
        "test_reproduce_writes_the_report_csv_files_and_curves",
        "test_reproduce_without_matplotlib_skips_the_curves_in_one_line",
        "test_reproduce_on_a_dask_cluster_gives_the_same_figures",
    ),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests of SLOW_ELSEWHERE ``slow``."""
    for item in items:
        path = item.path.relative_to(PROJECT_ROOT).as_posix()
        if path not in SLOW_ELSEWHERE:
            continue
        names = SLOW_ELSEWHERE[path]
        if names is None or getattr(item, "originalname", item.name) in names:
            item.add_marker(pytest.mark.slow)
        stale = [name for name in names or () if not hasattr(getattr(item, "module", None), name)]
        if stale:
            raise pytest.UsageError(
                f"tests/conftest.py SLOW_ELSEWHERE names {', '.join(stale)}, not in {path}"
            )
