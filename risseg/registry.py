"""Every registry of risseg, nothing else.

Children of mmengine's roots so that the mmengine Runner builds risseg components when
``default_scope='risseg'``. ``locations`` lets a config name a class without importing it.
"""

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

# Datasets (REFER-format files, SynthRef; pseudo-label files are merged by ReferDataset).
DATASETS = Registry("dataset", parent=MMENGINE_DATASETS, locations=["risseg.datasets"])
# Samplers (labeled/unlabeled co-iteration for semi-supervised training).
DATA_SAMPLERS = Registry(
    "data sampler", parent=MMENGINE_DATA_SAMPLERS, locations=["risseg.datasets"]
)
# Data transforms (loading, geometry, text, packing).
TRANSFORMS = Registry(
    "transform", parent=MMENGINE_TRANSFORMS, locations=["risseg.datasets.transforms"]
)
# Models: segmentors and every part (backbones, text encoders, necks, heads, losses,
# data preprocessors, averaged models for EMA).
MODELS = Registry("model", parent=MMENGINE_MODELS, locations=["risseg.models"])
# Model wrappers (DDP that also works for CPU modules with the gloo backend).
MODEL_WRAPPERS = Registry(
    "model_wrapper", parent=MMENGINE_MODEL_WRAPPERS, locations=["risseg.engine"]
)
# Optimizer-wrapper constructors (parameter groups such as LAVT's BERT-layer selection).
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    "optimizer wrapper constructor",
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=["risseg.engine"],
)
# Optimizers: none of risseg's own; the child makes the 'risseg' scope resolve to torch's.
OPTIMIZERS = Registry("optimizer", parent=MMENGINE_OPTIMIZERS, locations=["risseg.engine"])
# Optimizer wrappers (bf16 autocast on the CPU, where mmengine's AmpOptimWrapper refuses).
OPTIM_WRAPPERS = Registry(
    "optim_wrapper", parent=MMENGINE_OPTIM_WRAPPERS, locations=["risseg.engine"]
)
# Parameter schedulers: none of risseg's own (configs use mmengine's); scope resolution only.
PARAM_SCHEDULERS = Registry(
    "parameter scheduler", parent=MMENGINE_PARAM_SCHEDULERS, locations=["risseg.engine"]
)
# Training / evaluation loops: none of risseg's own (mmengine's); scope resolution only.
LOOPS = Registry("loop", parent=MMENGINE_LOOPS, locations=["risseg.engine"])
# Hooks (SemiRES's EMA teacher, resumable early stopping, option switches, text coverage,
# channels-last weights).
HOOKS = Registry("hook", parent=MMENGINE_HOOKS, locations=["risseg.engine"])
# Metrics (RefSegMetric, RefBoxMetric, DumpPredictions).
METRICS = Registry("metric", parent=MMENGINE_METRICS, locations=["risseg.evaluation"])
# Evaluators: mmengine's; scope resolution only.
EVALUATOR = Registry("evaluator", parent=MMENGINE_EVALUATOR, locations=["risseg.evaluation"])
# Log processors and visualizer backends: risseg uses mmengine's own; these children only let
# the Runner resolve them in the 'risseg' scope without a fallback warning.
LOG_PROCESSORS = Registry(
    "log_processor", parent=MMENGINE_LOG_PROCESSORS, locations=["risseg.engine"]
)
# Visualizers (RISLocalVisualizer: image, mask, GT outline, sentence and IoU).
VISUALIZERS = Registry(
    "visualizer",
    parent=MMENGINE_VISUALIZERS,
    locations=["risseg.engine", "risseg.visualization"],  # RISLocalVisualizer
)
VISBACKENDS = Registry("vis_backend", parent=MMENGINE_VISBACKENDS, locations=["risseg.engine"])
# Pseudo-label generators and selectors. A root registry: the Runner never builds labelers,
# and sibling children of one mmengine root cannot share the scope 'risseg'.
LABELERS = Registry("labeler", locations=["risseg.labelers"])
# Tokenizers used by the TokenizeText transform (word vocabulary, BERT wordpiece, CLIP BPE).
TOKENIZERS = Registry("tokenizer", locations=["risseg.datasets.tokenizers"])
# Foundation models behind one interface per role (mask generators, image-text scorers,
# captioners, grounded detectors, text parsers), wrapping library classes and loaded from local
# paths. A root registry: labelers and tools build them, the Runner never does.
FOUNDATION_MODELS = Registry("foundation model", locations=["risseg.foundation"])
