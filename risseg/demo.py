"""A browser demo: upload an image, type expressions, see the masks of one or two models.

    pip install -e ".[demo]"        # Gradio, not in the default install
    python -m risseg.demo CONFIG CHECKPOINT [CONFIG2 CHECKPOINT2] [--port 7860] [--device cpu] \
        [--example IMAGE "the red star"]

Then open http://127.0.0.1:7860. Each line of the text box is one expression; every model
segments every line (one batch per model, :func:`risseg.apis.segment`) and shows, for each
line, the sentence above the image with the mask as a magenta fill (contour points and box for
sequence models), drawn by :class:`risseg.visualization.RISLocalVisualizer`. Two models are
shown side by side. ``--example`` fills in an image and expressions and segments them when
the page opens. The server listens on 127.0.0.1 unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from torch import nn

from risseg.apis import init_segmentor, segment
from risseg.visualization import RISLocalVisualizer
from risseg.visualization.ris_visualizer import CAPTION_BG

HEADER_PX = 40


def split_texts(text: str | None) -> list[str]:
    """The non-empty lines of the text box, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def draw_models(
    models: list[tuple[str, nn.Module]], image: np.ndarray | None, text: str | None
) -> list[np.ndarray]:
    """Segment every expression (one per line of ``text``) with every model and draw them.

    Args:
        models: (name, model from :func:`init_segmentor`) pairs.
        image: (H, W, 3) uint8 RGB (an RGBA or grey upload is converted).
        text: one expression per line.

    Returns:
        One picture per model: its drawings of the lines, stacked top to bottom.

    Raises:
        ValueError: no image or no expression.
    """
    if image is None:
        raise ValueError("Upload an image first.")
    texts = split_texts(text)
    if not texts:
        raise ValueError("Type an expression (one per line).")
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    image = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
    visualizer = RISLocalVisualizer(name="demo", side_by_side=False, min_side=320)
    pictures = []
    for name, model in models:
        results = segment(model, image, texts)
        drawn = [
            visualizer.draw_ris(
                image, text=t, pred_mask=r.mask, points=r.points, box=r.box, notes=[name]
            )
            for t, r in zip(texts, results, strict=True)
        ]
        width = max(d.shape[1] for d in drawn)
        drawn = [np.pad(d, ((0, 8), (0, width - d.shape[1]), (0, 0))) for d in drawn]
        # a blank strip on top, under the buttons Gradio lays over an image's corner
        header = np.empty((HEADER_PX, width, 3), np.uint8)
        header[:] = CAPTION_BG
        pictures.append(np.concatenate([header, *drawn], axis=0)[:-8])
    return pictures


def build_demo(models: list[tuple[str, nn.Module]], example: tuple[str, str] | None = None):
    """The Gradio app (``gradio.Blocks``); its ``segment`` endpoint takes (image, text).

    Args:
        models: (name, model) pairs, one output image each.
        example: (image file, expressions) filled in and segmented when the page opens.

    Raises:
        ImportError: Gradio is not installed (``pip install -e ".[demo]"``).
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        import gradio as gr
    except ImportError as err:
        raise ImportError('the demo needs Gradio: pip install -e ".[demo]"') from err

    def run(image, text):
        try:
            pictures = draw_models(models, image, text)
        except ValueError as err:
            raise gr.Error(str(err)) from err
        return pictures[0] if len(pictures) == 1 else tuple(pictures)  # one per output

    with gr.Blocks(title="risseg demo") as demo:
        gr.Markdown(
            "## risseg: referring image segmentation\nUpload an image and type one "
            "expression per line."
        )
        with gr.Row():
            image = gr.Image(
                type="numpy",
                label="image",
                image_mode="RGB",
                value=None if example is None else example[0],
            )
            with gr.Column():
                text = gr.Textbox(
                    label="expressions (one per line)",
                    lines=3,
                    placeholder="the red star left of the circle",
                    value=None if example is None else example[1],
                )
                button = gr.Button("Segment", variant="primary")
        with gr.Row():
            # the model's name is in each picture's caption, which a label would cover
            outputs = [
                gr.Image(type="numpy", label=name, show_label=False, format="png")
                for name, _ in models
            ]
        button.click(run, [image, text], outputs, api_name="segment")
        text.submit(run, [image, text], outputs)
        if example is not None:
            demo.load(run, [image, text], outputs)
    return demo


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m risseg.demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "models",
        nargs="+",
        metavar="CONFIG CHECKPOINT",
        help="one or two config / checkpoint pairs",
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument(
        "--example",
        nargs=2,
        metavar=("IMAGE", "TEXT"),
        help="an image and expressions (lines) segmented when the page opens",
    )
    args = parser.parse_args(argv)
    if len(args.models) not in (2, 4):
        parser.error("give CONFIG CHECKPOINT, or CONFIG CHECKPOINT CONFIG2 CHECKPOINT2")
    return args


def load_models(pairs: list[str], device: str = "cpu") -> list[tuple[str, nn.Module]]:
    """(name, model) for each (config, checkpoint) pair; the name is the config's stem (and
    the checkpoint's when two configs have the same stem)."""
    configs, checkpoints = pairs[0::2], pairs[1::2]
    stems = [Path(config).stem for config in configs]
    models = []
    for config, checkpoint in zip(configs, checkpoints, strict=True):
        name = Path(config).stem
        if stems.count(name) > 1:
            name += f" ({Path(checkpoint).stem})"
        models.append((name, init_segmentor(config, checkpoint, device)))
    return models


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    demo = build_demo(load_models(args.models, args.device), args.example)
    demo.launch(server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
