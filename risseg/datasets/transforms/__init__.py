from risseg.datasets.transforms.seqtr import LargeScaleJitter, SampleContourPoints

__all__ = ["LargeScaleJitter", "SampleContourPoints"]
