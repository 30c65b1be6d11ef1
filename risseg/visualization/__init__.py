"""Pictures of referring segmentation: the RIS Visualizer (registered in VISUALIZERS)."""

from risseg.visualization.ris_visualizer import (
    GT_COLOUR,
    PRED_COLOUR,
    RISLocalVisualizer,
    sample_image,
    write_rgb,
)

__all__ = ["GT_COLOUR", "PRED_COLOUR", "RISLocalVisualizer", "sample_image", "write_rgb"]
