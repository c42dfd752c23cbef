"""Facade methods: compress."""

from __future__ import annotations

from core.facade.base import FacadeBase


class CompressMixin(FacadeBase):
    pass
