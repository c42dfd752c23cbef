"""The one action table: every key of the app, where it applies, and what it says.

It generates each widget's ``BINDINGS`` (each with an ``id``, so a user keymap can rebind it),
the footer (Textual's ``Footer`` shows the bindings marked ``footer``), the ``?`` help screen
and the command palette. Nothing else in the app declares a key.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

# Where an action applies: the app, or the widget of a view that has focus.
CONTEXTS = {
    "app": "Everywhere",
    "graph": "Commit graph",
    "events": "Operation events",
    "records": "Compile records",
    "detail": "Detail pane",
    "diff": "Compile diff",
    "confirm": "Confirmation",
    "search": "Search bar",
    "compress": "Compress preview",
    "modal": "Dialogs (go to, branches, help, tracts, tags, store info)",
    "list": "Every other list (links, a record's commits, why, pickers)",
    "scroll": "Every scrolling pane (details)",
}


@dataclass(frozen=True)
class Action:
    id: str  # "<context>.<name>": the binding id users remap in their config
    keys: str  # Textual key spec, comma-separated alternatives
    action: str  # the action method name on the context's widget (or the app)
    description: str  # short: footer and help
    help: str = ""  # longer: help screen and palette
    footer: bool = True
    palette: bool = True
    key_display: str | None = None
    priority: bool = False
    # Opens a dialog to type in: the keys typed right after it are held until the dialog is
    # there, then go to it (TractApp.on_event).
    opens_dialog: bool = False

    @property
    def context(self) -> str:
        return self.id.split(".", 1)[0]


ACTIONS: tuple[Action, ...] = (
    # -- everywhere --
    Action("app.help", "question_mark", "help", "Help", "Show every key", key_display="?"),
    Action("app.quit", "q", "quit", "Quit", "Leave tract-tui"),
    Action("app.view_graph", "1", "view('graph')", "Graph", "Show the commit graph", footer=False),
    Action(
        "app.view_events",
        "2",
        "view('events')",
        "Events",
        "Show the operation-event panel",
        footer=False,
    ),
    Action(
        "app.view_records",
        "3",
        "view('records')",
        "Records",
        "Show the compile records",
        footer=False,
    ),
    Action(
        "app.compile_head",
        "C",
        "compile_head",
        "Compile HEAD",
        "Record a compile of HEAD and show it",
    ),
    Action(
        "app.search",
        "slash",
        "search",
        "Search",
        "Search commits (text, type:, role:)",
        key_display="/",
        priority=True,  # the keys typed after it are the query (tract_tui/app.py)
    ),
    Action(
        "app.goto", "g", "goto", "Go to", "Go to a hash prefix, branch or HEAD~N", priority=True
    ),
    Action("app.switch_branch", "b", "switch_branch", "Branch", "Switch to another branch"),
    Action(
        "app.refresh", "R", "refresh", "Refresh", "Reload everything from the store", footer=False
    ),
    Action(
        "app.store_info",
        "I",
        "store_info",
        "Store info",
        "The store's layout, tag registry and tract-ai settings (read-only)",
        footer=False,
    ),
    Action(
        "app.palette",
        "ctrl+p",
        "command_palette",
        "Commands",
        "Open the command palette",
        footer=False,
        palette=False,
        priority=True,
    ),
    Action(
        "app.focus_next",
        "tab",
        "focus_next",
        "Next pane",
        "Move focus to the next pane",
        footer=False,
        palette=False,
    ),
    Action(
        "app.jump_back",
        "ctrl+o,alt+left",
        "jump_back",
        "Back",
        "Back to where the last jump left (a link, g, an event's commits, a why chain)",
        footer=False,
    ),
    Action(
        "app.jump_forward",
        # ctrl+i is the tab key in most terminals (tab moves the focus there); it is its own
        # key only where the terminal tells them apart. alt+right works everywhere.
        "ctrl+i,alt+right",
        "jump_forward",
        "Forward",
        "Forward again after ctrl+o",
        footer=False,
    ),
    # -- commit graph --
    Action("graph.up", "up,k", "cursor_up", "Up", footer=False, palette=False),
    Action("graph.down", "down,j", "cursor_down", "Down", footer=False, palette=False),
    Action("graph.page_up", "pageup", "page_up", "Page up", footer=False, palette=False),
    Action("graph.page_down", "pagedown", "page_down", "Page down", footer=False, palette=False),
    Action("graph.first", "home", "first", "First row", "Go to the newest commit", footer=False),
    Action("graph.last", "end,G", "last", "Last row", "Go to the oldest commit", footer=False),
    Action(
        "graph.open",
        "enter",
        "open",
        "Details",
        "Focus the selected commit's details",
        footer=False,
    ),
    Action(
        "graph.mark",
        "space",
        "mark",
        "Mark",
        "Mark the start of a range (for compress)",
        key_display="␣",
    ),
    Action(
        "graph.compress",
        "z",
        "compress",
        "Compress",
        "Compress the marked range (or the selected commit up to HEAD)",
    ),
    Action(
        "graph.compile_here",
        "c",
        "compile_here",
        "Compile",
        "Record a compile at the selected commit and show it",
    ),
    Action("graph.pin", "p", "priority('pinned')", "Pin", "Pin the selected commit"),
    Action(
        "graph.skip",
        "s",
        "priority('skip')",
        "Skip",
        "Skip the selected commit (leave it out of compiles)",
    ),
    Action(
        "graph.important",
        "i",
        "priority('important')",
        "Important",
        "Mark the selected commit IMPORTANT, with what compression must keep (tract-ai v7+)",
        footer=False,
        opens_dialog=True,
    ),
    Action(
        "graph.normal", "u", "priority('normal')", "Unmark", "Back to normal priority", footer=False
    ),
    Action(
        "graph.tag",
        "t",
        "tag",
        "Tag",
        "Tag the selected commit (tract-ai v10+; an unregistered tag asks first)",
        footer=False,
        opens_dialog=True,
    ),
    Action(
        "graph.untag",
        "T",
        "untag",
        "Untag",
        "Remove a tag added to the selected commit",
        footer=False,
        opens_dialog=True,
    ),
    Action("graph.next_match", "n", "next_match", "Next match", footer=False),
    Action("graph.prev_match", "N", "prev_match", "Previous match", footer=False),
    Action(
        "graph.clear_search",
        "escape",
        "clear_search",
        "Clear",
        "Leave the record lens, else clear an event's highlights, else the search matches",
        footer=False,
    ),
    Action(
        "graph.why",
        "w",
        "why",
        "Why",
        "Why is the selected commit (not) in the compile: its verdict and chain",
    ),
    Action(
        "graph.lens",
        "l",
        "lens",
        "Lens",
        "Mark every row as used / skipped / compressed / edited / not in the selected record "
        "(else the latest); again to leave",
    ),
    Action(
        "graph.export",
        "x",
        "export",
        "Export",
        "Export the compile at the selected commit as OpenAI / Anthropic JSON or Markdown",
        footer=False,
    ),
    Action("graph.copy_hash", "y", "copy_hash", "Copy hash", "Copy the full hash", footer=False),
    Action(
        "graph.pager",
        "o",
        "pager",
        "Read",
        "Read the selected commit's full content in $PAGER",
    ),
    Action(
        "graph.copy_content",
        "Y",
        "copy_content",
        "Copy text",
        "Copy the selected commit's text to the clipboard",
        footer=False,
    ),
    Action(
        "graph.toggle_unreachable",
        "a",
        "toggle_unreachable",
        "All",
        "Show or hide unreachable commits (compression sources)",
        footer=False,
    ),
    Action(
        "graph.toggle_first_parent",
        "f",
        "toggle_first_parent",
        "First parent",
        "Follow first parents only",
        footer=False,
    ),
    # -- operation events --
    Action("events.up", "up,k", "cursor_up", "Up", footer=False, palette=False),
    Action("events.down", "down,j", "cursor_down", "Down", footer=False, palette=False),
    Action("events.page_up", "pageup", "page_up", "Page up", footer=False, palette=False),
    Action("events.page_down", "pagedown", "page_down", "Page down", footer=False, palette=False),
    Action("events.first", "home", "first", "First row", "Go to the newest", footer=False),
    Action("events.last", "end,G", "last", "Last row", "Go to the oldest", footer=False),
    Action("events.open", "enter", "open", "Jump", "Jump to the event's first result in the graph"),
    Action(
        "events.sources",
        "o",
        "jump_sources",
        "Sources",
        "Jump to the event's first source commit in the graph (shows unreachable commits)",
    ),
    Action(
        "events.revert", "r", "revert", "Revert", "Revert the event (asks first: it moves a branch)"
    ),
    # -- compile records --
    Action("records.up", "up,k", "cursor_up", "Up", footer=False, palette=False),
    Action("records.down", "down,j", "cursor_down", "Down", footer=False, palette=False),
    Action("records.page_up", "pageup", "page_up", "Page up", footer=False, palette=False),
    Action("records.page_down", "pagedown", "page_down", "Page down", footer=False, palette=False),
    Action("records.first", "home", "first", "First row", "Go to the newest", footer=False),
    Action("records.last", "end,G", "last", "Last row", "Go to the oldest", footer=False),
    Action(
        "records.open",
        "enter",
        "open",
        "Lens",
        "Show the graph through this record's lens (each row: used, skipped, compressed, …)",
    ),
    Action("records.commits", "o", "commits", "Commits", "Focus the record's commits"),
    Action(
        "records.mark",
        "space",
        "mark",
        "Mark",
        "Mark a record for the compile diff",
        key_display="␣",
    ),
    Action(
        "records.diff",
        "d",
        "diff",
        "Diff",
        "Diff the two marked records (or the selected one and the one before it)",
    ),
    Action(
        "records.export",
        "x",
        "export",
        "Export",
        "Export the record as OpenAI / Anthropic messages JSON or Markdown (file or clipboard)",
    ),
    Action(
        "records.chart_by",
        "t",
        "chart_by",
        "Chart by",
        "Stack the token timeline chart by role or by content type",
        footer=False,
    ),
    # -- compile diff --
    Action("diff.up", "up,k", "scroll_up", "Up", footer=False, palette=False),
    Action("diff.down", "down,j", "scroll_down", "Down", footer=False, palette=False),
    Action("diff.page_up", "pageup", "page_up", "Page up", footer=False, palette=False),
    Action("diff.page_down", "pagedown,space", "page_down", "Page down", footer=False),
    Action("diff.top", "home", "scroll_home", "Top", "Go to the top", footer=False),
    Action("diff.bottom", "end,G", "scroll_end", "Bottom", "Go to the end", footer=False),
    # The view has the keys; the screen owns the mode ("screen." runs the screen's action).
    Action("diff.mode", "m", "screen.toggle_mode", "Side by side", "Switch unified / side-by-side"),
    Action(
        "diff.only_changes",
        "o",
        "screen.toggle_only_changes",
        "Only changes",
        "Show only what changed",
    ),
    Action("diff.close", "escape", "screen.close", "Close", "Close the diff"),
    # -- confirmation modal --
    Action("confirm.yes", "y", "answer(True)", "Yes", palette=False),
    Action("confirm.no", "n,escape", "answer(False)", "No", palette=False),
    # -- search bar --
    Action(
        "search.close",
        "escape",
        "close",
        "Close",
        "Clear the search and close the bar",
        palette=False,
    ),
    Action(
        "search.filter",
        "ctrl+f",
        "toggle_filter",
        "Filter",
        "Dim the commits that do not match (instead of only highlighting matches)",
        palette=False,
    ),
    # -- compress preview --
    Action(
        "compress.confirm",
        "ctrl+s",
        "confirm",
        "Compress",
        "Apply the compression shown",
        palette=False,
    ),
    Action(
        "compress.cancel",
        "escape",
        "cancel",
        "Cancel",
        "Cancel a running compression (nothing is written), or close the preview",
        palette=False,
    ),
    Action(
        "compress.repreview",
        "ctrl+r",
        "repreview",
        "Preview again",
        "Recompute the preview",
        palette=False,
    ),
    Action(
        "compress.edit",
        "e",
        "edit_summary",
        "Edit in $EDITOR",
        "Write the manual summary of a group (the one last focused, else the first) in $EDITOR",
        palette=False,
    ),
    # -- small dialogs --
    Action("modal.close", "escape", "close", "Close", "Close the dialog", palette=False),
    # -- details --
    Action("detail.jump", "enter", "jump", "Jump", "Follow the link under the cursor"),
    Action(
        "detail.back",
        "escape,shift+tab",
        "back",
        "Back",
        "Back to the list it details",
        footer=False,
        key_display="esc",
    ),
    Action("detail.pager", "o", "pager", "Read", "Read the commit's full content in $PAGER"),
    Action(
        "detail.copy_content",
        "Y",
        "copy_content",
        "Copy text",
        "Copy the commit's text to the clipboard",
        footer=False,
    ),
    Action(
        "detail.more",
        "m",
        "more",
        "More",
        "Show more of a content, metadata or config too long to show at once",
        footer=False,
    ),
    Action(
        "detail.all",
        "M",
        "show_all",
        "Show all",
        "Show the whole content, metadata and config (a big commit takes a while)",
        footer=False,
    ),
)


def _moves(context: str, *, scroll: bool = False) -> tuple[Action, ...]:
    """The same moving keys in every list and pane (only the action names differ)."""
    up, down, first, last = (
        ("scroll_up", "scroll_down", "scroll_home", "scroll_end")
        if scroll
        else ("cursor_up", "cursor_down", "first", "last")
    )
    return (
        Action(f"{context}.up", "up,k", up, "Up", footer=False, palette=False),
        Action(f"{context}.down", "down,j", down, "Down", footer=False, palette=False),
        Action(f"{context}.page_up", "pageup", "page_up", "Page up", footer=False, palette=False),
        Action(
            f"{context}.page_down",
            "pagedown",
            "page_down",
            "Page down",
            footer=False,
            palette=False,
        ),
        Action(f"{context}.first", "home", first, "Top", footer=False, palette=False),
        Action(f"{context}.last", "end,G", last, "Bottom", footer=False, palette=False),
    )


LIST_OPEN = Action(
    "list.open",
    "enter",
    "select",
    "Open",
    "Open the highlighted item (follow a link, pick a branch or tract)",
    palette=False,
    key_display="⏎",
)
ACTIONS = ACTIONS + _moves("list") + (LIST_OPEN,) + _moves("scroll", scroll=True)
ACTIONS_BY_ID: dict[str, Action] = {a.id: a for a in ACTIONS}
DIALOG_ACTION_IDS = frozenset(a.id for a in ACTIONS if a.opens_dialog)


def bindings_for(context: str, *, skip: tuple[str, ...] = ()) -> list[BindingType]:
    """The ``BINDINGS`` of a widget (or the app) for one context of the table (but the ids
    in ``skip``)."""
    return [
        Binding(
            a.keys,
            a.action,
            a.description,
            show=a.footer,
            key_display=a.key_display,
            priority=a.priority,
            id=a.id,
            tooltip=a.help,
        )
        for a in ACTIONS
        if a.context == context and a.id not in skip
    ]


def palette_actions() -> list[Action]:
    return [a for a in ACTIONS if a.palette]
