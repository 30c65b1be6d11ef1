"""Shared layers."""

from risseg.models.layers.language_gate import LanguageGate

__all__ = ["LanguageGate"]
