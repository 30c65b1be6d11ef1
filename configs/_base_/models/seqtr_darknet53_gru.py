# SeqTR (ECCV 2022): DarkNet-53 + frozen GloVe/bi-GRU + SimpleFusion + sequence head.
# Full size, as released for RefCOCO (640 px inputs, 20 x 20 memory). Weights are local paths:
# data/weights/darknet.weights (COCO detector weights without RefCOCO val/test images) and
# data/weights/glove_<dataset>.npy (the 300-d GloVe rows of the tokenizer's vocabulary).
num_points = 18  # contour points N: 18 for RefCOCO, 12 for RefCOCO+/g -> 2N + 1 = 37 tokens
model = dict(
    type="SeqTRSegmentor",
    # SeqTR feeds RGB in 0-255 without mean/std normalisation
    data_preprocessor=dict(type="RISDataPreprocessor", mean=None, std=None, pad_size_divisor=32),
    backbone=dict(
        type="DarkNet53",
        freeze_layer=2,  # everything but the last two convs frozen, BN statistics included
        pretrained="data/weights/darknet.weights",
    ),
    text_encoder=dict(
        type="GRUTextEncoder",
        vocab_size=12_000,  # set to the size of the dataset's vocabulary file
        embed_dim=300,
        hidden=512,  # bidirectional: 2 x 512 = 1024 channels, max-pooled over valid words
        bidirectional=True,
        word_vectors=None,  # e.g. "data/weights/glove_refcoco.npy"
        freeze_word_vectors=True,
    ),
    neck=dict(
        type="SeqTRFusionNeck", in_channels=(256, 512, 1024), text_channels=1024, out_channels=1024
    ),
    head=dict(
        type="SeqHead",
        in_channels=1024,
        task="mask",
        num_points=num_points,
        num_bins=1000,
        d_model=256,
        num_heads=8,
        ffn_dim=1024,
        num_encoder_layers=6,
        num_decoder_layers=3,
        dropout=0.1,
        shuffle_fraction=-1.0,
        end_weight=0.1,
        loss=dict(type="LabelSmoothCrossEntropyLoss", smoothing=0.1),
    ),
    test_cfg=dict(rescale=True, pixel_offset=0.5),
)
