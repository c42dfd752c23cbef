"""The parts of :class:`core.Tract`, one mixin per group of operations.

``core.tract.Tract`` inherits them all; each mixin only calls ``core.operations`` through the
base's transaction helpers, so a method is one transaction or joins the caller's ``batch()``.
"""
