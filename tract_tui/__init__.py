"""tract-tui: the Textual app and the CLI over ``core``.

Text is measured in terminal cells the way Textual draws it (Rich's tables, which know that
an emoji with VS16 takes two cells), so every column the app or the CLI pads lines up with what
is drawn.
"""

from rich.cells import cell_len, split_graphemes

from core.views.text import use_cell_width

use_cell_width(cell_len, lambda text: split_graphemes(text)[0])
