"""The graph's rows without a Python object per row (docs/performance.md, "The graph's memory").

A million rows held as Python objects cost ~300 MB: a str per hash (~112 B), a dict entry and
an int per row key, and a pointer per row in three lists. Here a row costs ~55 bytes:

- its hash as a 32-byte digest in one growable buffer. Only the normal id, 64 lowercase hex
  characters, is stored that way; any other id (uppercase, short, not hex, empty: hostile or
  foreign stores) is kept exactly as its str in a side table, so reading a row gives back the
  very string written;
- its one parent as that parent's row key (a C int), once the parent is a row; a row with no
  parent or several keeps its parents tuple in a side table;
- a flags byte (unreachable, odd hash, parents in the side table);
- the hash → row-key index: an open-addressing table of row keys in an ``array('i')``,
  probed by the hash of the stored form and verified against the buffer.

Rows are addressed by position (0 is the top) and by key (``top + position``), which never
changes once given: rows put on top get smaller keys, so the index and the side tables, keyed
by key, move nothing on a prepend.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

WIDTH = 32  # bytes of a stored digest
# A free slot of the index. Keys are C ints: |key| < the rows a model holds (rows put on top
# take keys below 0), and 2**31 rows would take 64 GiB of digests alone.
_EMPTY = -(1 << 31)
_ZERO = bytes(WIDTH)
_UNSET = b""  # not in the conversion cache (no id is stored as b"")
_REHASH_CHUNK = 1 << 16
_RECENT = 4096  # conversions kept: a row's hash was its child's parent a few rows above

UNREACHABLE = 1
ODD_HASH = 2  # the hash is in the side table, its slot is zeros
OTHER_PARENTS = 4  # not exactly one parent: the parents are in the side table


def stored(commit_id: str) -> bytes | None:
    """The 32-byte digest of a 64-character lowercase hex id; None for any other id, which is
    kept as it is (``bytes.fromhex`` also takes uppercase and spaces: the round trip decides)."""
    if len(commit_id) != 2 * WIDTH:
        return None
    try:
        digest = bytes.fromhex(commit_id)
    except ValueError:
        return None
    return digest if digest.hex() == commit_id else None


class RowStore:
    """Rows of the graph model: hash, parents (first parent first) and reachability, plus the
    hash → row-key index. Not locked: the model holds its lock around every change."""

    __slots__ = (
        "_count",
        "_firsts",
        "_flags",
        "_forms",
        "_hashes",
        "_last",
        "_miss",
        "_odd_hashes",
        "_other_parents",
        "_parent_of",
        "_table",
        "_top",
        "_waiting",
    )

    def __init__(self) -> None:
        self._top = 0
        self._hashes = bytearray()
        # A row's one parent as that parent's row key: children come before their parents,
        # so it is _EMPTY until the parent is added; meanwhile the child's key is in
        # _parent_of (child key → parent) and _waiting (parent → child keys): a frontier.
        # A parent that never comes (missing, or shown above its child) stays there.
        self._firsts = array("i")
        self._parent_of: dict[int, str] = {}
        self._waiting: dict[str, int | list[int]] = {}
        self._flags = bytearray()
        self._odd_hashes: dict[int, str] = {}  # row key → hash, for ids not stored as digests
        self._other_parents: dict[int, tuple[str, ...]] = {}  # row key → parents
        # Read without the lock (the UI looks rows up while the scan feeds): one attribute,
        # replaced whole when it grows, and a row is in the buffers before it is indexed.
        self._table = array("i", [_EMPTY]) * 8
        self._count = 0  # rows in the index
        # The hash last added (that very str object), for the lanes' step right after it.
        self._last: tuple[object, int] = (object(), _EMPTY)
        # The last id looked up and not found, with the row count then: the lanes look up a
        # row's parent, and the scan looks it up again as the next row.
        self._miss: tuple[str, int] = ("", -1)
        # Recent conversions str → stored form: the scan looks each id up about four times
        # (as a parent, as a row, in the lanes), and converting costs more than the probe.
        self._forms: dict[str, bytes | None] = {}

    # -- rows -------------------------------------------------------------------------------

    @property
    def top(self) -> int:
        """The key of row 0."""
        return self._top

    def __len__(self) -> int:
        return len(self._flags)

    def hash_at(self, position: int) -> str:
        key = self._top + position
        if self._flags[position] & ODD_HASH:
            return self._odd_hashes[key]
        p = position * WIDTH
        return self._hashes[p : p + WIDTH].hex()

    def parents_at(self, position: int) -> tuple[str, ...]:
        key = self._top + position
        if self._flags[position] & OTHER_PARENTS:
            return self._other_parents[key]
        parent = self._firsts[position]
        if parent == _EMPTY:
            waiting = self._parent_of.get(key)
            if waiting is not None:
                return (waiting,)
            parent = self._firsts[position]  # its parent came meanwhile
        return (self.hash_at(parent - self._top),)

    def unreachable_at(self, position: int) -> bool:
        return bool(self._flags[position] & UNREACHABLE)

    def append(self, commit_hash: str, parents: tuple[str, ...], unreachable: bool) -> int:
        """Add a row at the bottom and index it; returns its key. ``commit_hash`` must not be
        a row already (the model checks)."""
        # The scan's hot path (once per row): _encode and _insert, inlined.
        row_flags = self._flags
        key = self._top + len(row_flags)
        count = self._count + 1
        if 2 * count > len(self._table):  # at most half full: misses end soon
            self._grow(count)
        forms = self._forms
        if len(forms) >= _RECENT:
            forms.clear()
        form = forms.get(commit_hash, _UNSET)
        if form is _UNSET:
            form = forms[commit_hash] = stored(commit_hash)
        flags = UNREACHABLE if unreachable else 0
        if form is None:
            self._odd_hashes[key] = commit_hash
            flags |= ODD_HASH
            self._hashes += _ZERO
            probe = hash(commit_hash)
        else:
            self._hashes += form
            probe = hash(form)
        if len(parents) != 1:
            self._other_parents[key] = parents
            flags |= OTHER_PARENTS
        self._firsts.append(_EMPTY)
        row_flags.append(flags)  # the row is readable from here
        waiting = self._waiting
        if waiting:
            children = waiting.pop(commit_hash, None)
            if children is not None:
                self._adopt(key, children)
        if len(parents) == 1:
            self._wait(key, parents[0])
        table = self._table
        mask = len(table) - 1
        i = probe & mask
        while table[i] != _EMPTY:
            i = (i + 1) & mask
        table[i] = key
        self._count = count  # after the row is indexed (see key_of's miss)
        self._last = (commit_hash, key)
        return key

    def prepend(self, rows: Sequence[tuple[str, tuple[str, ...], bool]]) -> None:
        """Put ``rows`` (hash, parents, unreachable), top first, above row 0 and index them.
        None of the hashes may be a row already."""
        if 2 * (self._count + len(rows)) > len(self._table):
            self._grow(self._count + len(rows))
        top = self._top - len(rows)
        hashes: list[bytes] = []
        flags = bytearray()
        for i, (commit_hash, parents, unreachable) in enumerate(rows):
            form, f = self._encode(top + i, commit_hash, parents, unreachable)
            hashes.append(form)
            flags.append(f)
        self._hashes[0:0] = b"".join(hashes)
        self._firsts[0:0] = array("i", [_EMPTY]) * len(rows)
        self._flags[0:0] = flags
        self._top = top
        for i, (commit_hash, _, _) in enumerate(rows):
            self._insert(top + i, commit_hash if flags[i] & ODD_HASH else hashes[i])
        for i, (commit_hash, parents, _) in enumerate(rows):
            children = self._waiting.pop(commit_hash, None)
            if children is not None:
                self._adopt(top + i, children)
            if len(parents) == 1:
                parent = self.key_of(parents[0])
                if parent is None:
                    self._wait(top + i, parents[0])
                else:
                    self._firsts[i] = parent

    def _wait(self, child: int, parent: str) -> None:
        """``child``'s one parent is not a row (yet)."""
        self._parent_of[child] = parent
        waiting = self._waiting
        children = waiting.get(parent)
        if children is None:
            waiting[parent] = child
        elif isinstance(children, int):
            waiting[parent] = [children, child]
        else:
            children.append(child)

    def _adopt(self, parent: int, children: int | list[int]) -> None:
        """Row ``parent`` was added: the rows waiting for it point at it."""
        firsts, parent_of, top = self._firsts, self._parent_of, self._top
        for child in (children,) if isinstance(children, int) else children:
            firsts[child - top] = parent  # before the str goes: parents_at reads unlocked
            del parent_of[child]

    def _form(self, commit_id: str) -> bytes | None:
        forms = self._forms
        form = forms.get(commit_id, _UNSET)
        if form is _UNSET:
            if len(forms) >= _RECENT:
                forms.clear()
            form = forms[commit_id] = stored(commit_id)
        return form

    def _encode(
        self, key: int, commit_hash: str, parents: tuple[str, ...], unreachable: bool
    ) -> tuple[bytes, int]:
        """The row's hash slot and flags; an odd id, and parents but one, go to the side
        tables (the one parent is linked once every row is in)."""
        flags = UNREACHABLE if unreachable else 0
        form = self._form(commit_hash)
        if form is None:
            self._odd_hashes[key] = commit_hash
            form = _ZERO
            flags |= ODD_HASH
        if len(parents) != 1:
            self._other_parents[key] = parents
            flags |= OTHER_PARENTS
        return form, flags

    # -- the index: hash → row key ------------------------------------------------------------

    def key_of(self, commit_hash: str) -> int | None:
        """The row key of ``commit_hash``, None when it is not a row."""
        count = self._count  # first: a row added during the lookup voids the miss
        miss, then = self._miss
        if then == count and miss == commit_hash:
            return None
        forms = self._forms
        form = forms.get(commit_hash, _UNSET)
        if form is _UNSET:  # _form, inlined: once per row and per parent in the scan
            if len(forms) >= _RECENT:
                forms.clear()
            form = forms[commit_hash] = stored(commit_hash)
        table = self._table
        mask = len(table) - 1
        if form is None:
            odd = self._odd_hashes
            i = hash(commit_hash) & mask
            while (key := table[i]) != _EMPTY:
                if odd.get(key) == commit_hash:
                    return key
                i = (i + 1) & mask
            self._miss = (commit_hash, count)
            return None
        buf, flags, top, empty = self._hashes, self._flags, self._top, _EMPTY
        i = hash(form) & mask
        while (key := table[i]) != empty:
            if buf.startswith(form, (key - top) * WIDTH) and not flags[key - top] & ODD_HASH:
                return key
            i = (i + 1) & mask
        self._miss = (commit_hash, count)
        return None

    def _insert(self, key: int, form: bytes | str) -> None:
        table = self._table
        mask = len(table) - 1
        i = hash(form) & mask
        while table[i] != _EMPTY:
            i = (i + 1) & mask
        table[i] = key
        self._count += 1

    def _grow(self, count: int) -> None:
        """A table at most half full with ``count`` rows, holding the rows there are (all of
        them: every row is indexed when added, and this runs before the buffers grow)."""
        size = len(self._table)
        while 2 * count > size:
            size *= 2
        table = array("i", [_EMPTY]) * size
        mask = size - 1
        buf, flags, odd, top, empty = self._hashes, self._flags, self._odd_hashes, self._top, _EMPTY
        n = len(flags)
        for start in range(0, n, _REHASH_CHUNK):  # bounded: a copy and a list of ints a chunk
            stop = min(n, start + _REHASH_CHUNK)
            data = bytes(buf[start * WIDTH : stop * WIDTH])  # sliced into bytes objects to hash
            probes = [hash(data[p : p + WIDTH]) for p in range(0, len(data), WIDTH)]
            for position, probe in enumerate(probes, start):
                if flags[position] & ODD_HASH:
                    probe = hash(odd[top + position])
                i = probe & mask
                while table[i] != empty:
                    i = (i + 1) & mask
                table[i] = top + position
        self._table = table

    # The lanes' "first row of each commit" (core.views.lanes.FirstRows): a row's key is its
    # lane row, and every row is indexed before the lanes step over it.

    get = key_of

    def setdefault(self, commit_hash: str, row: int) -> int:
        last, key = self._last
        if commit_hash is last:  # the row just added: the scan's step right after it
            return key
        found = self.key_of(commit_hash)
        if found is None:
            raise KeyError(f"{commit_hash!r} is not a row of this graph")
        return found

    def __contains__(self, commit_hash: object) -> bool:
        return isinstance(commit_hash, str) and self.key_of(commit_hash) is not None


__all__ = ["RowStore", "stored"]
