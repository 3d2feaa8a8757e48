"""The images a command was given: each FOLDER stands for the image files in it, by name.

A file in a folder counts as an image when Pillow recognises its header as one of
:data:`digitnet.imaging.FORMATS` (its name does not matter); the others are skipped, said
in one note per folder. Files named one by one are all kept: reading them says what is
wrong with each.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

#: How many skipped names a folder's note lists before "and N more".
NAMES_IN_A_NOTE = 5


def image_files(named: Sequence[str]) -> tuple[list[str], list[str]]:
    """The files to read, in order, and the notes (``Skipped ...``, ``Error: ...``) to show.

    A folder gives its image files sorted by name (not its subfolders'); a folder without
    any image is an error note.
    """
    files: list[str] = []
    notes: list[str] = []
    for name in named:
        folder = Path(name)
        if not folder.is_dir():
            files.append(name)
            continue
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            notes.append(f"Error: {folder}: cannot list the folder ({exc.strerror or exc})")
            continue
        images = [str(p) for p in entries if is_image(p)]
        skipped = [p.name for p in entries if str(p) not in images and not p.is_dir()]
        if not images:
            notes.append(f"Error: {folder}: no image files in the folder")
            continue
        if skipped:
            what = (
                "1 file, not an image" if len(skipped) == 1 else f"{len(skipped)} files, not images"
            )
            notes.append(f"Skipped {what}, in {folder}: {_names(skipped)}")
        files += images
    return files, notes


def is_image(path: Path) -> bool:
    """Whether ``path`` is a regular file whose header Pillow reads as one of our formats.

    Only the header is read; a FIFO or a device is not opened at all.
    """
    from PIL import Image, UnidentifiedImageError

    from digitnet.imaging import FORMATS

    try:
        if not path.is_file():
            return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                return img.format in FORMATS or img.format == "MPO"
    except Image.DecompressionBombError:
        return True  # an image: reading it says it is over the limit
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return False


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_IN_A_NOTE])
    more = len(names) - NAMES_IN_A_NOTE
    return shown + (f" and {more} more" if more > 0 else "")
