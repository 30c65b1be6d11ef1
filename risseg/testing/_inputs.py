"""Ready-made batches for model tests."""

from __future__ import annotations

from risseg.testing._dataset import SyntheticRISDataset


def demo_ris_inputs(
    batch_size: int = 2,
    image_size: tuple[int, int] = (32, 32),
    max_len: int = 8,
    num_objects: int = 2,
    seed: int = 0,
) -> dict:
    """A batch as the dataloader yields it (``pseudo_collate`` of packed samples).

    Args:
        batch_size: B.
        image_size: (H, W).
        max_len: token length L.
        num_objects: squares per image.
        seed: base seed of :class:`SyntheticRISDataset`.

    Returns:
        ``{'inputs': list of B (3, H, W) uint8 tensors, 'data_samples': list of B
        RISDataSample}``; pass it through ``model.data_preprocessor`` first.
    """
    dataset = SyntheticRISDataset(
        num_samples=batch_size,
        image_size=image_size,
        num_objects=num_objects,
        max_len=max_len,
        seed=seed,
    )
    items = [dataset[i] for i in range(batch_size)]
    return dict(
        inputs=[it["inputs"] for it in items], data_samples=[it["data_samples"] for it in items]
    )
