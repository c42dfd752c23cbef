"""An ``OptionList`` with the app's moving keys (``j``/``k``, ``G``, …) from the action table:
the detail links, the why chain and the pickers all move alike."""

from __future__ import annotations

from textual.widgets import OptionList

from tract_tui.actions import bindings_for


class NavList(OptionList):
    BINDINGS = bindings_for("list")
