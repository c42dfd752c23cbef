"""Facade methods: merge."""

from __future__ import annotations

from core.facade.base import FacadeBase


class MergeMixin(FacadeBase):
    pass
