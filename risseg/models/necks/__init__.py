"""Necks (vision-language fusion)."""

from risseg.models.necks.pwam import PWAM

__all__ = ["PWAM"]
