"""``digitnet data``: where MNIST is kept, and downloading, verifying or importing its files."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.filesize import decimal

from digitnet.cli.options import data_dir_option, offline_hint
from digitnet.cli.progress import download_progress, spinner, stdout
from digitnet.data import (
    DATA_ENV_VAR,
    DownloadError,
    MnistFile,
    ensure_mnist,
    import_mnist,
    mirror_urls,
    mnist_files,
    resolve_data_dir,
    verify_mnist,
)
from digitnet.errors import DataError

#: Width of the file-name column: the longest of the four names.
NAME_WIDTH = len("train-images-idx3-ubyte.gz")


def _folder(data_dir: Path | None) -> tuple[Path, str]:
    """The MNIST folder and why it is the one: ``--data-dir``, ``$DIGITNET_DATA`` or the cache."""
    if data_dir is not None:
        return resolve_data_dir(data_dir), "--data-dir"
    if os.environ.get(DATA_ENV_VAR):
        return resolve_data_dir(None), f"${DATA_ENV_VAR}"
    return resolve_data_dir(None), "the per-user cache"


def _line(file: MnistFile, verdict: str) -> str:
    where = "" if file.path is None else f"  {file.path}"
    return f"  {file.name:<{NAME_WIDTH}}  {verdict:>9}{where}"


@click.group("data", invoke_without_command=True)
@data_dir_option
@click.pass_context
def data_command(ctx: click.Context, data_dir: Path | None) -> None:
    """Where the MNIST files are; `data download`, `data verify`, `data import FOLDER`.

    Alone, says which folder digitnet reads MNIST from (--data-dir, else $DIGITNET_DATA,
    else a per-user cache) and which of the four files it holds.
    """
    ctx.obj = data_dir
    if ctx.invoked_subcommand is not None:
        return
    folder, why = _folder(data_dir)
    stdout.print(f"MNIST folder: {folder} ({why})", markup=False)
    files = mnist_files(folder)
    for file in files:
        stdout.print(_line(file, decimal(file.size) if file.path else "missing"), markup=False)
    missing = sum(file.path is None for file in files)
    if missing:
        stdout.print(
            f"{'The four' if missing == 4 else missing} files missing: "
            f"`digitnet data download` fetches them "
            f"(from {mirror_urls()[0]}); `digitnet data import FOLDER` copies them from a folder.",
            markup=False,
        )
    else:
        stdout.print("All four files are here; `digitnet data verify` checks their SHA-256.")


def _chosen(ctx: click.Context, data_dir: Path | None) -> tuple[Path, str]:
    """The folder a subcommand works on: its own --data-dir, else the group's, else default."""
    return _folder(data_dir if data_dir is not None else ctx.obj)


@data_command.command("download")
@data_dir_option
@click.pass_context
def download_command(ctx: click.Context, data_dir: Path | None) -> None:
    """Download the missing MNIST files and verify their SHA-256.

    The files come from the first of the public mirrors that delivers them intact
    ($DIGITNET_MNIST_URL, if set, is the only mirror tried); files already present are kept.
    """
    folder, why = _chosen(ctx, data_dir)
    missing = [file.name for file in mnist_files(folder) if file.path is None]
    if not missing:
        stdout.print(f"All four MNIST files are already in {folder} ({why}).", markup=False)
        return
    try:
        with download_progress() as report:
            ensure_mnist(folder, names=missing, progress=report)
    except DownloadError as exc:
        raise DataError(f"{exc}. {offline_hint(exc.folder)}") from exc
    stdout.print(f"MNIST is in {folder} ({why}): {len(missing)} file(s) downloaded.", markup=False)


@data_command.command("verify")
@data_dir_option
@click.pass_context
def verify_command(ctx: click.Context, data_dir: Path | None) -> None:
    """Check the SHA-256 of each MNIST file's content against the published one."""
    folder, why = _chosen(ctx, data_dir)
    stdout.print(f"MNIST folder: {folder} ({why})", markup=False)

    def say(file: MnistFile) -> None:
        stdout.print(_line(file, "ok" if file.problem is None else file.problem), markup=False)

    with spinner("Hashing the files..."):
        checked = verify_mnist(folder, on_file=say)
    bad = [file for file in checked if file.problem is not None]
    if bad:
        raise DataError(
            f"{len(bad)} of the 4 MNIST files in {folder} are missing or not genuine "
            f"({', '.join(file.name for file in bad)}): delete any damaged one, then run "
            f"`digitnet data download`"
        )
    stdout.print("All four files are genuine MNIST.")


@data_command.command("import")
@click.argument("source", type=click.Path(file_okay=False, path_type=Path))
@data_dir_option
@click.pass_context
def import_command(ctx: click.Context, source: Path, data_dir: Path | None) -> None:
    """Copy the four MNIST files from SOURCE (.gz or uncompressed) into the MNIST folder.

    Each file's SHA-256 is checked before anything is copied; each copy is written
    atomically, so an interrupted import leaves no half-written file.
    """
    folder, why = _chosen(ctx, data_dir)
    with spinner(f"Verifying the files in {source}..."):
        written = import_mnist(source, folder)
    for file in written:
        stdout.print(_line(file, decimal(file.size)), markup=False)
    stdout.print(f"Imported the four MNIST files, verified, into {folder} ({why}).", markup=False)
