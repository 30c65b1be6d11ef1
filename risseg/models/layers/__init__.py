"""Shared layers."""
from risseg.models.layers.language_gate import LanguageGate
from risseg.models.layers.semi_views import WeakStrongViews

__all__ = ["LanguageGate", "WeakStrongViews"]
