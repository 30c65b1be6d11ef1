"""risseg: label-efficient referring image segmentation on mmengine."""

__version__ = "0.1.0"
