"""A user's image of one handwritten digit -> MNIST's 28x28 convention.

MNIST (LeCun et al.) stores grey levels with white ink (1.0) on black (0.0), each digit
cropped to its ink, scaled into 20x20 and centred by its centre of mass in 28x28. A network
trained on MNIST has only seen digits like that, so a photo, a scan or a drawing is brought
to the same convention, one module a step::

    decode     the file, safely and reduced (a JPEG by DCT scaling)
    levels     any colour mode -> one page of grey levels, at most WORK_SIDE a side
    background the paper's level under uneven light and tint
    ink        ink or paper, dark on light or light on dark: ink = 1, paper = 0
    strokes    the marks on the page, and which group of them is the digit
    layout     crop, scale into DIGIT_BOX, centre in MNIST_SIDE
    pipeline   all of it, keeping each stage (PreprocessSteps) for the pictures
    panels     the stages as pictures with captions, for the web page and the CLI
"""

from digitnet.imaging.decode import (
    FORMATS,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_JPEG_PIXELS,
    Source,
    load_image,
)
from digitnet.imaging.layout import DIGIT_BOX
from digitnet.imaging.levels import WORK_SIDE
from digitnet.imaging.pipeline import (
    PreprocessSteps,
    preprocess,
    preprocess_array,
    preprocess_drawing,
    preprocess_steps,
)

__all__ = [
    "DIGIT_BOX",
    "FORMATS",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_JPEG_PIXELS",
    "WORK_SIDE",
    "PreprocessSteps",
    "Source",
    "load_image",
    "preprocess",
    "preprocess_array",
    "preprocess_drawing",
    "preprocess_steps",
]
