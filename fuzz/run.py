"""Run one fuzz target for a number of minutes: ``python fuzz/run.py TARGET --minutes N``.

TARGET is idx, modelfile or imaging. The corpus (seeds from make_corpus.py, and every
input atheris finds that reaches new code) grows in fuzz/corpus/TARGET/; inputs that
crash go to fuzz/artifacts/TARGET/. Flags after ``--`` go to libFuzzer as they are.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from make_corpus import SEEDS, make_corpus

FUZZ = Path(__file__).resolve().parent
PER_INPUT_TIMEOUT_SECONDS = 60  # one input slower than this is a finding (a hang)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=sorted(SEEDS))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("libfuzzer_flags", nargs="*", help="after --, passed to libFuzzer")
    args = parser.parse_args()

    corpus = make_corpus(args.target)
    artifacts = FUZZ / "artifacts" / args.target
    artifacts.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(FUZZ / f"fuzz_{args.target}.py"),
        str(corpus),
        f"-max_total_time={round(args.minutes * 60)}",
        f"-artifact_prefix={artifacts}/",
        f"-timeout={PER_INPUT_TIMEOUT_SECONDS}",
        "-print_final_stats=1",
        *args.libfuzzer_flags,
    ]
    print(" ".join(command), flush=True)
    run = subprocess.run(command, stderr=subprocess.PIPE, text=True, check=False)
    sys.stderr.write(run.stderr)
    runs = re.findall(r"stat::number_of_executed_units: (\d+)", run.stderr)
    crashes = sorted(p.name for p in artifacts.iterdir())
    print(f"{args.target}: {runs[-1] if runs else '?'} executions, exit code {run.returncode}")
    print(f"artifacts in {artifacts}: {', '.join(crashes) or 'none'}")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
