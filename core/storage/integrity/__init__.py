"""Integrity audit of a store (``tract-tui verify``): hashes, references, cycles."""

from core.storage.integrity.scans import Checker, ProblemSink, Progress, find_cycles

__all__ = ["Checker", "ProblemSink", "Progress", "find_cycles"]
