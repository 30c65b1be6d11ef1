from mmengine import DefaultScope

from risseg.registry import MODELS
from risseg.utils import register_all_modules


def test_register_all_modules_sets_scope_and_registers():
    register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == "risseg"
    assert MODELS.get("RISDataPreprocessor") is not None
