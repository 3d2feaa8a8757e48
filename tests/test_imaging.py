"""Tests for digitnet.imaging: any user's image of a digit -> MNIST's 28x28 convention.

Every test image is drawn here with Pillow; only the last test reads real MNIST digits.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter

from digitnet import imaging
from digitnet.data import MnistSplit
from digitnet.errors import ImageError
from digitnet.imaging import (
    DIGIT_BOX,
    background,
    decode,
    load_image,
    preprocess,
    preprocess_array,
    preprocess_steps,
)
from digitnet.imaging.levels import grey_page
from digitnet.mnist_shape import MNIST_CENTRE, MNIST_SIDE

WHITE, BLACK = 255, 0


def draw_nine(mode: str = "L", ink: object = BLACK, paper: object = WHITE) -> Image.Image:
    """A '9' (a loop and a stem) on a 200x260 canvas, strokes 16 px wide."""
    img = Image.new(mode, (200, 260), paper)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(img)
    draw.ellipse((50, 40, 140, 130), outline=ink, width=16)  # type: ignore[arg-type]
    draw.line([(132, 85), (120, 220)], fill=ink, width=16)  # type: ignore[arg-type]
    return img


def draw_seven(size: tuple[int, int] = (200, 260), width: int = 16) -> Image.Image:
    """A '7' in black on white, scaled to `size`."""
    w, h = size
    img = Image.new("L", size, WHITE)
    points = [(0.25 * w, 0.2 * h), (0.75 * w, 0.2 * h), (0.4 * w, 0.85 * h)]
    ImageDraw.Draw(img).line(points, fill=BLACK, width=width, joint="curve")
    return img


def encode(img: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


def field(source: bytes | Image.Image) -> NDArray[np.float32]:
    """The 28x28 result for an image (encoded as PNG if it is a Pillow image)."""
    data = encode(source) if isinstance(source, Image.Image) else source
    return preprocess(data).reshape(MNIST_SIDE, MNIST_SIDE)


def centre_of_mass(a: NDArray[np.float32]) -> tuple[float, float]:
    rows, cols = np.indices(a.shape)
    return float((rows * a).sum() / a.sum()), float((cols * a).sum() / a.sum())


def ink_box(a: NDArray[np.generic]) -> tuple[int, int]:
    """Height and width of the bounding box of the non-zero pixels."""
    rows, cols = np.nonzero(a)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


@pytest.fixture(scope="module")
def nine() -> NDArray[np.float32]:
    return field(draw_nine())


# --- the MNIST convention -------------------------------------------------------------


def test_preprocess_returns_784_float32_in_unit_range() -> None:
    vector = preprocess(encode(draw_nine()))
    assert vector.shape == (MNIST_SIDE * MNIST_SIDE,)
    assert vector.dtype == np.float32
    assert vector.min() == 0.0
    assert vector.max() == pytest.approx(1.0)


@pytest.mark.parametrize("img", [draw_nine(), draw_seven(), draw_seven((600, 300), width=30)])
def test_centre_of_mass_is_within_half_a_pixel_of_14_14(img: Image.Image) -> None:
    row, col = centre_of_mass(field(img))
    assert abs(row - MNIST_CENTRE) <= 0.5
    assert abs(col - MNIST_CENTRE) <= 0.5


@pytest.mark.parametrize("size", [(200, 260), (600, 300), (40, 50)])
def test_longer_side_of_the_ink_is_the_digit_box(size: tuple[int, int]) -> None:
    height, width = ink_box(field(draw_seven(size, width=max(3, size[0] // 15))))
    assert DIGIT_BOX - 2 <= max(height, width) <= DIGIT_BOX


def test_steps_show_each_stage() -> None:
    drawing = draw_nine()
    steps = preprocess_steps(encode(drawing))
    assert steps.grey.shape == (260, 200)
    assert steps.grey[0, 0] == 0.0  # paper -> 0
    assert steps.grey.max() == pytest.approx(1.0)  # ink -> 1
    assert np.array_equal(steps.grey > 0, np.asarray(drawing) < 128)
    drawn_height, drawn_width = ink_box(np.asarray(drawing) < 128)
    assert steps.cropped.shape == pytest.approx((drawn_height, drawn_width), abs=2)
    assert max(steps.scaled.shape) == DIGIT_BOX
    assert steps.centred.shape == (MNIST_SIDE, MNIST_SIDE)
    assert np.array_equal(steps.vector, preprocess(encode(draw_nine())))


def test_thin_one_stays_narrow_and_centred() -> None:
    img = Image.new("L", (200, 300), WHITE)
    ImageDraw.Draw(img).line([(100, 40), (100, 260)], fill=BLACK, width=8)
    one = field(img)
    height, width = ink_box(one)
    assert height >= DIGIT_BOX - 1
    assert width <= 3
    assert abs(centre_of_mass(one)[1] - MNIST_CENTRE) <= 0.5


def test_specks_away_from_the_digit_are_ignored(nine: NDArray[np.float32]) -> None:
    img = draw_nine()
    draw = ImageDraw.Draw(img)
    for x, y in [(5, 5), (190, 8), (10, 250), (185, 245)]:
        draw.rectangle((x, y, x + 2, y + 2), fill=BLACK)
    assert np.abs(field(img) - nine).max() < 0.02


# --- polarity, colour modes and formats ------------------------------------------------


def test_light_ink_on_dark_equals_dark_ink_on_light(nine: NDArray[np.float32]) -> None:
    inverted = field(draw_nine(ink=WHITE, paper=BLACK))
    assert np.abs(inverted - nine).max() < 0.02


def rgba_strokes(colour: tuple[int, int, int]) -> Image.Image:
    """Strokes of `colour` on fully transparent *black* (what drawing apps export)."""
    return draw_nine("RGBA", ink=(*colour, 255), paper=(0, 0, 0, 0))


def palette_with_transparent_paper() -> Image.Image:
    img = draw_nine().convert("P")
    img.info["transparency"] = img.getpixel((0, 0))
    return img


@pytest.mark.parametrize(
    ("label", "img"),
    [
        ("red on yellow", draw_nine("RGB", ink=(220, 0, 0), paper=(255, 230, 0))),
        ("grey levels", draw_nine(ink=90, paper=170)),
        ("RGBA black strokes", rgba_strokes((0, 0, 0))),
        ("RGBA white strokes", rgba_strokes((255, 255, 255))),
        ("LA black strokes", draw_nine("LA", ink=(0, 255), paper=(0, 0))),
        ("P palette", draw_nine("RGB", ink=(0, 0, 128), paper=(250, 250, 240)).convert("P")),
        ("P transparent paper", palette_with_transparent_paper()),
        ("1 bit", draw_nine("1", ink=0, paper=1)),
    ],
)
def test_colour_modes_give_the_same_digit(
    label: str, img: Image.Image, nine: NDArray[np.float32]
) -> None:
    assert np.abs(field(img) - nine).mean() < 0.01, label


def test_sixteen_bit_grey_png(nine: NDArray[np.float32]) -> None:
    levels = np.where(np.asarray(draw_nine()) > 0, 60_000, 4_000).astype(np.uint16)
    data = encode(Image.fromarray(levels))
    assert Image.open(io.BytesIO(data)).mode.startswith("I;16")
    assert np.abs(field(data) - nine).mean() < 0.01


@pytest.mark.parametrize(
    ("fmt", "mode", "tolerance"),
    [
        ("JPEG", "L", 0.03),
        ("JPEG", "RGB", 0.03),
        ("JPEG", "CMYK", 0.03),
        ("TIFF", "CMYK", 0.01),
        ("BMP", "RGB", 0.01),
        ("WEBP", "RGB", 0.03),
    ],
)
def test_formats_round_trip(
    fmt: str, mode: str, tolerance: float, nine: NDArray[np.float32]
) -> None:
    data = encode(draw_nine().convert(mode), fmt)
    assert np.abs(field(data) - nine).mean() < tolerance


def test_exif_orientation_is_applied(nine: NDArray[np.float32]) -> None:
    upright = draw_nine()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the camera sensor saw it
    data = encode(stored, "JPEG", exif=exif, quality=95)
    assert load_image(data).size == upright.size
    assert np.abs(field(data) - nine).mean() < 0.03


def test_gif_takes_the_first_frame(nine: NDArray[np.float32]) -> None:
    data = encode(draw_nine(), "GIF", save_all=True, append_images=[draw_seven()])
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 2
    assert np.abs(field(data) - nine).mean() < 0.01


def test_reads_paths_and_streams(tmp_path: Path, nine: NDArray[np.float32]) -> None:
    path = tmp_path / "nine.png"
    draw_nine().save(path)
    assert np.array_equal(field(path.read_bytes()), nine)
    assert np.array_equal(preprocess(path).reshape(MNIST_SIDE, MNIST_SIDE), nine)
    with path.open("rb") as stream:
        assert np.array_equal(preprocess(stream).reshape(MNIST_SIDE, MNIST_SIDE), nine)


# --- photos -----------------------------------------------------------------------------


def photo_of(drawing: Image.Image, rng: np.random.Generator) -> bytes:
    """`drawing` as a phone would shoot it: lit unevenly, grainy, JPEG-compressed."""
    h, w = drawing.height, drawing.width
    rows = np.arange(h, dtype=np.float32)[:, None]
    cols = np.arange(w, dtype=np.float32)[None, :]
    light = 210 - 100 * cols / w - 40 * rows / h  # darker to the right and bottom
    paper = np.asarray(drawing, dtype=np.float32) / 255
    shot = light * (0.25 + 0.75 * paper) + 12 * rng.standard_normal((h, w), dtype=np.float32)
    return encode(Image.fromarray(np.clip(shot, 0, 255).astype(np.uint8)), "JPEG", quality=90)


def test_large_uneven_noisy_photo_gives_a_clean_digit() -> None:
    drawing = draw_seven((3000, 4000), width=90)
    steps = preprocess_steps(photo_of(drawing, np.random.default_rng(7)))
    assert max(steps.grey.shape) <= 2 * imaging.WORK_SIDE  # analysed at a reduced size
    height, width = ink_box(steps.centred)
    assert DIGIT_BOX - 2 <= max(height, width) <= DIGIT_BOX
    clean = field(draw_seven((300, 400), width=9))
    assert np.abs(steps.centred - clean).mean() < 0.05
    # the paper, its shading and grain all became 0: no ink outside the digit's box
    assert float(steps.cropped.sum()) >= 0.99 * float(steps.grey.sum())
    assert (steps.grey > 0).mean() < 1.2 * (np.asarray(drawing) < 128).mean()


def test_edge_of_a_sheet_on_a_dark_table_is_not_ink() -> None:
    shot = np.full((600, 800), 40, dtype=np.uint8)  # the table
    shot[60:560, 150:650] = 220  # the sheet of paper
    img = Image.fromarray(shot)
    ImageDraw.Draw(img).line([(330, 150), (400, 120), (400, 480)], fill=30, width=14)  # a 1
    one = field(encode(img.filter(ImageFilter.GaussianBlur(1.5)), "JPEG"))
    height, width = ink_box(one)
    assert height >= DIGIT_BOX - 1
    assert width <= 6


# --- hostile and unusable files ---------------------------------------------------------


def png_with_size(width: int, height: int) -> bytes:
    """A valid 8x8 PNG whose IHDR is patched to claim `width` x `height` (CRC fixed)."""
    data = bytearray(encode(Image.new("L", (8, 8), WHITE)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def assert_refused(source: object, name: str, *words: str) -> None:
    with pytest.raises(ImageError) as caught:
        preprocess(source, name=name)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", ["empty"]),
        (b"Dear diary, today I wrote a seven.\n", ["not an image"]),
        (np.random.default_rng(0).bytes(5000), ["not an image"]),
        (png_with_size(100_000, 100_000), ["limit", "40,000,000"]),  # Pillow's own refusal
        (png_with_size(10_000, 10_000), ["limit"]),  # Pillow only warns: refused anyway
        (png_with_size(7_000, 7_000), ["7000x7000", "limit"]),  # under Pillow's limit
    ],
)
def test_hostile_bytes_are_refused(data: bytes, words: list[str]) -> None:
    assert_refused(data, "upload.png", *words)


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_truncated_png_is_refused(fraction: float) -> None:
    data = encode(draw_nine())
    assert_refused(data[: int(len(data) * fraction)], "cut.png")


def test_files_that_cannot_be_read_are_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a picture\n")
    (tmp_path / "empty.png").write_bytes(b"")
    for path in [tmp_path / "notes.txt", tmp_path / "empty.png", tmp_path / "missing.png"]:
        assert_refused(path, str(path))
    with pytest.raises(ImageError, match=r"missing\.png"):
        preprocess(tmp_path / "missing.png")
    with pytest.raises(ImageError, match="cannot read"):
        preprocess(tmp_path)  # a directory


def test_over_size_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decode, "MAX_IMAGE_BYTES", 500)
    path = tmp_path / "huge.png"
    draw_nine().save(path)
    assert path.stat().st_size > 500
    assert_refused(path, "huge.png", "500 bytes")
    assert_refused(path.read_bytes(), "huge.png", "500 bytes")
    stream = io.BytesIO(b"\0" * 10_000)
    assert_refused(stream, "huge.png", "500 bytes")
    assert stream.tell() == 501  # read no further than needed to know


def test_over_pixel_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "MAX_IMAGE_PIXELS", 200 * 259)
    assert_refused(encode(draw_nine()), "big.png", "200x260", "51,800")


@pytest.mark.parametrize(
    "img",
    [
        Image.new("L", (50, 40), WHITE),
        Image.new("RGB", (50, 40), (30, 60, 200)),
        Image.new("RGBA", (50, 40), (0, 0, 0, 0)),
        Image.new("I;16", (50, 40), 1234),
    ],
)
def test_blank_image_is_refused(img: Image.Image) -> None:
    assert_refused(encode(img), "blank.png", "no digit found (the image is blank)")


def test_blank_jpeg_with_compression_noise_is_refused() -> None:
    grain = np.random.default_rng(3).normal(128, 2, (60, 80))
    data = encode(Image.fromarray(np.clip(grain, 0, 255).astype(np.uint8)), "JPEG")
    assert_refused(data, "wall.jpg", "blank")


FUZZ_SEEDS = {
    fmt: encode(draw_seven((40, 52), width=4).convert(mode), fmt)
    for fmt, mode in [("PNG", "L"), ("GIF", "L"), ("JPEG", "L"), ("BMP", "RGB"), ("TIFF", "L")]
}


def assert_digit_or_image_error(data: bytes) -> None:
    try:
        vector = preprocess(data)
    except ImageError:
        return
    assert vector.shape == (MNIST_SIDE * MNIST_SIDE,)
    assert 0.0 <= vector.min() and vector.max() <= 1.0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000))
def test_random_bytes_give_a_digit_or_image_error(data: bytes) -> None:
    assert_digit_or_image_error(data)


@settings(max_examples=100, deadline=None)
@given(
    fmt=st.sampled_from(sorted(FUZZ_SEEDS)),
    cut=st.floats(0.0, 1.0),
    edits=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=6),
)
def test_damaged_files_give_a_digit_or_image_error(
    fmt: str, cut: float, edits: list[tuple[float, int]]
) -> None:
    data = bytearray(FUZZ_SEEDS[fmt])
    for where, value in edits:
        data[int(where * (len(data) - 1))] = value
    data = data[: int(cut * len(data))] if cut < 0.95 else data
    assert_digit_or_image_error(bytes(data))


# --- arrays from a canvas ---------------------------------------------------------------


def test_array_from_a_canvas_matches_the_image(nine: NDArray[np.float32]) -> None:
    canvas = 1.0 - np.asarray(draw_nine(), dtype=np.float64) / 255
    steps = preprocess_array(canvas)
    assert np.abs(steps.centred - nine).max() < 0.01


def test_a_drawing_is_read_as_the_array_of_its_darkness() -> None:
    drawing = draw_nine("RGBA", ink=(0, 0, 0, 255), paper=(255, 255, 255, 255))
    steps = imaging.preprocess_drawing(encode(drawing))
    grey = np.asarray(drawing.convert("L"), dtype=np.float32) * np.float32(1 / 255)
    expected = preprocess_array(np.float32(1) - grey)
    np.testing.assert_array_equal(steps.vector, expected.vector)
    np.testing.assert_array_equal(steps.page, grey)  # as it looks, not inverted
    assert steps.paper.shape == grey.shape and steps.paper.min() == 1.0
    for stage in ("grey", "digit", "cropped", "scaled", "centred"):
        np.testing.assert_array_equal(getattr(steps, stage), getattr(expected, stage))


def test_an_opaque_rgba_page_is_the_grey_of_its_la_conversion() -> None:
    pixels = np.random.default_rng(0).integers(0, 256, (97, 131, 4), dtype=np.uint8)
    pixels[..., 3] = 255  # opaque, as a canvas's PNG is
    image = Image.fromarray(pixels, "RGBA")
    expected = np.asarray(image.convert("LA").getchannel("L"))  # the transparent images' way
    np.testing.assert_array_equal(grey_page(image, "canvas"), expected)


def test_a_drawing_reads_like_the_whole_pipeline_would(nine: NDArray[np.float32]) -> None:
    steps = imaging.preprocess_drawing(encode(draw_nine()))
    assert np.abs(steps.centred - nine).max() < 0.5  # the same digit, levels aside
    assert np.abs(steps.centred.sum() - nine.sum()) < 0.25 * nine.sum()


def test_a_blank_drawing_is_refused_by_name() -> None:
    blank = Image.new("L", (280, 280), WHITE)  # type: ignore[arg-type]
    with pytest.raises(ImageError, match=r"^canvas: "):
        imaging.preprocess_drawing(encode(blank), name="canvas")


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros(5),
        np.zeros((3, 4, 2)),
        np.zeros((0, 4)),
        np.full((5, 5), np.nan),
        np.full((5, 5), 2.0),
        np.array([["a", "b"]]),
        [[0.0, 1.0]],
        np.zeros((4, 4)),  # blank
    ],
)
def test_unusable_arrays_are_refused(bad: object) -> None:
    with pytest.raises(ImageError, match=r"^canvas: "):
        preprocess_array(bad, name="canvas")  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        arrays(
            dtype=st.sampled_from([np.float64, np.float32, np.uint8, np.bool_]),
            shape=array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=40),
        ),
        arrays(np.float64, array_shapes(min_dims=2, max_dims=2), elements=st.floats(0, 1)),
    )
)
def test_any_array_gives_a_digit_or_image_error(ink: NDArray[np.generic]) -> None:
    try:
        steps = preprocess_array(ink)
    except ImageError:
        return
    assert steps.centred.shape == (MNIST_SIDE, MNIST_SIDE)
    assert steps.centred.dtype == np.float32
    assert 0.0 <= steps.centred.min() and steps.centred.max() <= 1.0
    assert max(steps.scaled.shape) == DIGIT_BOX


# --- real MNIST digits ------------------------------------------------------------------


def test_scanned_mnist_digits_come_back_as_they_were(mnist: MnistSplit) -> None:
    """Upscale real MNIST digits 10x, blur, invert to dark-on-light: the pipeline undoes it."""
    errors = []
    for digit in mnist.test.images[:30].reshape(-1, MNIST_SIDE, MNIST_SIDE):
        scan = Image.fromarray(255 - digit).resize((280, 280), Image.Resampling.BICUBIC)
        result = field(scan.filter(ImageFilter.GaussianBlur(2)))
        original = digit / 255
        errors.append(np.abs(result - original).mean())
        assert np.corrcoef(result.ravel(), original.ravel())[0, 1] > 0.8
        assert np.allclose(centre_of_mass(result), centre_of_mass(original), atol=1.0)
    assert np.mean(errors) < 0.04


@pytest.mark.parametrize("shape", [(98, 98), (98, 76), (64, 90), (45, 45)])
@pytest.mark.parametrize(("size", "pillow_filter", "reduce"), [
    (17, ImageFilter.MinFilter, np.min), (21, ImageFilter.MaxFilter, np.max),
])  # fmt: skip
def test_rank_filter_equals_pillows(shape, size, pillow_filter, reduce):
    image = np.random.default_rng(size).random(shape, dtype=np.float32)
    expected = np.asarray(Image.fromarray(image).filter(pillow_filter(size)))
    np.testing.assert_array_equal(background.rank_filter(image, size, reduce), expected)


# --- files that are not regular, and shapes that are not digits --------------------------


def test_a_fifo_is_refused_at_once_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    assert_refused(fifo, str(fifo), "not a regular file")


def test_a_long_bar_is_doubted_and_a_digit_is_not() -> None:
    bar = Image.new("L", (100_000, 1), WHITE)
    bar.paste(BLACK, (20_000, 0, 80_000, 1))  # a black bar across a 100000x1 strip
    steps = preprocess_steps(encode(bar))
    assert steps.doubt is not None and "wider than tall" in steps.doubt
    assert preprocess_steps(encode(draw_seven())).doubt is None
    assert preprocess_steps(encode(draw_nine())).doubt is None


def test_an_opaque_rgba_image_reads_as_its_grey_levels() -> None:
    drawing = draw_nine("RGBA", ink=(0, 0, 0, 255), paper=(255, 255, 255, 255))
    np.testing.assert_array_equal(
        preprocess(encode(drawing)), preprocess(encode(drawing.convert("L")))
    )
