"""What the benchmark scripts share: workers in their own processes, memory, Markdown tables.

Each measured implementation runs in a fresh child process (the script itself, started
with ``--worker NAME``), so the peak memory it reports is its own and no library state
(BLAS threads, Numba, PyTorch) leaks from one measurement into the next. The child prints
one JSON object as its last line of output.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import resource
import subprocess
import sys
from collections.abc import Sequence

#: Environment variables that steer OpenBLAS's kernel choice on some machines.
OPENBLAS_TUNING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def run_worker(
    script: str, name: str, options: Sequence[str] = (), env: dict[str, str] | None = None
) -> dict:
    """Run ``script --worker name options`` in a new process; its last line, parsed as JSON.

    A child that fails gives ``{"error": <last line of its stderr>}`` instead of stopping
    the suite.
    """
    command = [sys.executable, script, "--worker", name, *options]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        return {"error": lines[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_rss_mib() -> float:
    """The peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    """The resident memory of this process now, in MiB (from /proc; 0 where there is none)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def blas_threads() -> str:
    """The BLAS thread pool size NumPy will use, as threadpoolctl sees it ("?" without it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "?"
    pools = [p for p in threadpool_info() if p["user_api"] == "blas"]
    return str(pools[0]["num_threads"]) if pools else "?"


def openblas_env_text() -> str:
    """``OPENBLAS_CORETYPE=... OPENBLAS_L2_SIZE=...`` as set in this environment."""
    return ", ".join(f"{name}={os.environ.get(name, '(unset)')}" for name in OPENBLAS_TUNING)


def machine_text() -> str:
    """Date, CPU, cores, load average and the OpenBLAS tuning variables, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return (
        f"{now}; {cpu}, {os.cpu_count()} cores; load average {load} at the start; "
        f"Python {platform.python_version()}; {openblas_env_text()}"
    )


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A Markdown table; ``align`` has one letter per column, ``l`` or ``r``."""
    rule = ["---" if a == "l" else "---:" for a in align]
    lines = [columns, rule, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def print_json(result: dict) -> None:
    """A worker's answer to its parent: one JSON line, flushed."""
    print(json.dumps(result), flush=True)
