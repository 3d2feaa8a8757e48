"""digitnet predict's inputs: a model known by its content, folders of images, --top-k."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet.mnist_shape import MNIST_SIDE
from digitnet.modelfile import shipped_model_path


@pytest.fixture
def model_bin(tmp_path: Path) -> Path:
    """The shipped model under a name that says nothing: ``model.bin``."""
    return Path(shutil.copyfile(shipped_model_path(), tmp_path / "model.bin"))


def user_image(mnist, index: int, path: Path) -> Path:
    """MNIST test digit ``index`` as a user would send it: large, dark ink on white."""
    ink = 255 - mnist.test.images[index].reshape(MNIST_SIDE, MNIST_SIDE)
    Image.fromarray(ink).resize((224, 224), Image.Resampling.BICUBIC).save(path, "PNG")
    return path


def test_a_model_file_is_known_by_its_content_whatever_its_name(
    run, mnist, model_bin: Path, tmp_path: Path
) -> None:
    image = user_image(mnist, 0, tmp_path / "seven.png")
    code, out, err = run("predict", str(model_bin), str(image))
    assert code == 0, err
    assert out.startswith(f"{image}: {int(mnist.test.labels[0])} (softmax probability ")


def test_a_truncated_model_under_any_name_says_truncated(
    run, mnist, model_bin: Path, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.model"
    cut.write_bytes(model_bin.read_bytes()[:3000])
    image = user_image(mnist, 0, tmp_path / "seven.png")
    code, _, err = run("predict", str(cut), str(image))
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith(f"Error: {cut}: truncated or damaged model file")


def test_a_zip_that_is_not_ours_is_not_taken_for_a_model(
    run, mnist, model_bin: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.zip"
    shutil.make_archive(str(tmp_path / "other"), "zip", root_dir=tmp_path, base_dir="model.bin")
    image = user_image(mnist, 0, tmp_path / "seven.png")
    code, out, err = run("predict", str(model_bin), str(other), str(image))
    assert code == 1 and f"Error: {other}: not an image" in err
    assert out.startswith(f"{image}: ")  # the others still answered


def test_a_folder_gives_its_images_by_name_and_notes_what_it_skips(
    run, mnist, model_bin: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "digits"
    (folder / "deeper").mkdir(parents=True)
    user_image(mnist, 1, folder / "b.png")
    user_image(mnist, 0, folder / "a-photo")  # a PNG without the name of one
    user_image(mnist, 2, folder / "deeper" / "c.png")  # subfolders are not read
    (folder / "notes.txt").write_text("not an image")
    code, out, err = run("predict", str(model_bin), str(folder))
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        str(folder / "a-photo"),
        str(folder / "b.png"),
    ]
    assert [int(line.split(": ")[1].split()[0]) for line in lines] == list(mnist.test.labels[:2])
    assert err.strip() == f"Skipped 1 file, not an image, in {folder}: notes.txt"


def test_a_folder_without_images_is_a_one_line_error(run, model_bin: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = run("predict", str(model_bin), str(tmp_path / "empty"))
    assert code == 1
    assert err.strip() == f"Error: {tmp_path / 'empty'}: no image files in the folder"


def test_top_k_prints_the_k_most_active_outputs_most_active_first(
    run, mnist, model_bin: Path, tmp_path: Path
) -> None:
    image = user_image(mnist, 0, tmp_path / "seven.png")
    code, out, _ = run("predict", str(model_bin), str(image), "--top-k", "3", "--json")
    assert code == 0
    record = json.loads(out)
    order = np.argsort(-np.array(record["outputs"]), kind="stable")[:3]
    assert [t["digit"] for t in record["top"]] == order.tolist()
    assert record["top"][0]["digit"] == record["digit"]
    code, out, _ = run("predict", str(model_bin), str(image), "--top-k", "3")
    assert code == 0
    runners_up = out.strip().split(", then ")[1].split(", ")
    assert [int(part.split()[0]) for part in runners_up] == order[1:].tolist()


def test_top_k_beyond_ten_digits_is_a_usage_error(run, model_bin: Path, tmp_path: Path) -> None:
    code, _, err = run("predict", str(model_bin), str(tmp_path / "x.png"), "--top-k", "11")
    assert code == 2 and "--top-k" in err
