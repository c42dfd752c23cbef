"""Facade methods: rewrite."""

from __future__ import annotations

from core.facade.base import FacadeBase


class RewriteMixin(FacadeBase):
    pass
