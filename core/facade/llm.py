"""Facade methods: llm."""

from __future__ import annotations

from core.facade.base import FacadeBase


class LLMMixin(FacadeBase):
    pass
