"""Repository interfaces: what the operations may ask of a store.

One SQLAlchemy implementation (``core.storage.sqla``) serves SQLite and PostgreSQL alike. Every
multi-row read is set-based: a walk is one recursive CTE, a batch lookup is one ``IN`` query
(chunked under the backends' parameter limits), never one query per commit.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from core.models.compiled import CompileRow
from core.models.enums import Priority
from core.models.records import (
    AnnotationInfo,
    BlobInfo,
    CommitInfo,
    CompileRecord,
    OperationEvent,
    PolicyLogEntry,
    PolicyProposal,
    RefInfo,
    SpawnPointer,
)


class BlobRepository(ABC):
    @abstractmethod
    def get(self, content_hash: str) -> BlobInfo | None: ...

    @abstractmethod
    def get_many(self, hashes: Iterable[str]) -> dict[str, BlobInfo]: ...

    @abstractmethod
    def insert_if_absent(self, blob: BlobInfo, payload_json: str | None = None) -> bool:
        """Write the blob unless a blob with its hash exists. True when written.
        ``payload_json``: its stored text when the caller has made it already."""

    @abstractmethod
    def message_tokens(self, hashes: Iterable[str], encoding: str) -> dict[str, int]:
        """Cached compiled-message token counts per blob for ``encoding``."""

    @abstractmethod
    def set_message_tokens(self, counts: Mapping[str, int], encoding: str) -> None: ...

    @abstractmethod
    def iter_raw(self, batch: int = 2000) -> Iterator[list[tuple[str, str]]]:
        """Batches of (content_hash, payload_json text) for verification."""

    @abstractmethod
    def delete_orphans(self, candidates: Iterable[str]) -> list[str]:
        """Delete the candidates no commit (in any tract) uses; return what was deleted."""


class CommitRepository(ABC):
    @abstractmethod
    def get(self, commit_hash: str) -> CommitInfo | None: ...

    @abstractmethod
    def get_many(self, hashes: Iterable[str]) -> dict[str, CommitInfo]: ...

    @abstractmethod
    def exists(self, commit_hash: str) -> bool: ...

    @abstractmethod
    def insert(self, commit: CommitInfo) -> None: ...

    def compile_row(
        self, commit: CommitInfo, payload_json: str, message_tokens: int | None
    ) -> CompileRow | None:
        """The row a compile would read back for a non-merge commit just inserted with this
        blob text and cached count, value for value; None when only reading can tell."""
        return None

    @abstractmethod
    def exists_in_tract(self, tract_id: str, hashes: Iterable[str]) -> set[str]: ...

    @abstractmethod
    def by_prefix(self, tract_id: str, prefix: str, limit: int = 20) -> list[str]: ...

    @abstractmethod
    def first_parent_chain(
        self, head: str, *, limit: int | None = None, stop_at: Iterable[str] = ()
    ) -> list[CommitInfo]:
        """Newest first: ``head``, its first parent, ... (one recursive query).

        The walk stops after ``limit`` commits, or before a commit in ``stop_at``.
        """

    @abstractmethod
    def first_parent_hashes(self, head: str, *, limit: int | None = None) -> list[str]:
        """Like :meth:`first_parent_chain` but only hashes (cheap for 100k chains)."""

    @abstractmethod
    def compile_chain(
        self, head: str, encoding: str, *, limit: int | None = None
    ) -> list[CompileRow]:
        """First-parent chain from ``head``, newest first, joined with blobs and cached
        message tokens: everything a compile needs, in one query."""

    @abstractmethod
    def tract_of(self, commit_hash: str) -> str | None:
        """The tract a commit belongs to (None: no such commit)."""

    @abstractmethod
    def tract_compile_rows(
        self, tract_id: str, encoding: str, *, lean: bool = False
    ) -> dict[str, CompileRow]:
        """Every commit of a tract as ``compile_chain`` rows (``n_parents`` 0) by hash, in
        one set-based read: a cold compile orders and picks from these instead of walking
        chain by chain. ``lean``: without what only a kept compile needs (see the SQL
        repository's ``_keyed_rows``)."""

    @abstractmethod
    def tract_merge_parents(self, tract_id: str) -> dict[str, tuple[str, ...]]:
        """Every merge commit of a tract → all its parents, in order."""

    @abstractmethod
    def tract_first_parents(self, tract_id: str) -> dict[str, str | None]:
        """Every commit of a tract → its first parent, in one set-based read."""

    @abstractmethod
    def graph_page(
        self,
        tract_id: str,
        *,
        after: tuple[Any, str] | None,
        limit: int,
        newer_than: tuple[Any, str] | None = None,
    ) -> list[tuple[str, tuple[str, ...], Any]]:
        """A page of (commit_hash, parents, created_at) newest first — ``created_at``
        descending, then hash descending — starting after the key ``after`` =
        (created_at as returned, hash). Parents list the first parent, then merge parents.
        ``newer_than`` (a key as returned) keeps only the commits that sort above it: what
        was written since a page was read (the app's live reload)."""

    @abstractmethod
    def ancestors(self, heads: Iterable[str], *, merge_parents: bool = True) -> set[str]:
        """Every commit reachable from ``heads`` (heads included), over both parent kinds."""

    @abstractmethod
    def is_ancestor(self, ancestor: str, descendant: str) -> bool: ...

    @abstractmethod
    def children(self, commit_hash: str) -> list[str]:
        """Commits whose first parent or merge parent is ``commit_hash``."""

    @abstractmethod
    def edits_of(self, targets: Iterable[str]) -> dict[str, list[CommitInfo]]:
        """EDIT commits per target, oldest first."""

    @abstractmethod
    def replies_to(self, targets: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """Per target: (commit_hash, tract_id) of every commit whose response_to is it."""

    @abstractmethod
    def count(self, tract_id: str) -> int: ...

    @abstractmethod
    def latest(self, tract_id: str) -> str | None:
        """The newest commit's hash: one index lookup, the cheap "anything new?" probe."""

    @abstractmethod
    def tract_ids(self) -> list[str]:
        """Distinct tract ids over commits and refs."""

    @abstractmethod
    def tract_stats(self) -> dict[str, tuple[int, datetime | None, bool]]:
        """Per tract id (over commits and refs): commit count, latest commit time, and
        whether a ``session``/``end`` commit exists — one grouped query."""

    @abstractmethod
    def iter_all(
        self, tract_id: str | None = None, batch: int = 2000
    ) -> Iterator[list[CommitInfo]]:
        """Every commit (of one tract, or all), in batches, oldest first."""

    @abstractmethod
    def set_parent(self, commit_hash: str, parent_hash: str | None) -> None: ...

    @abstractmethod
    def delete_many(self, hashes: Sequence[str]) -> None:
        """Delete commits, nulling children's parent_hash and others' response_to first."""

    @abstractmethod
    def search(
        self,
        tract_id: str,
        *,
        text: str | None = None,
        content_type: str | None = None,
        role: str | None = None,
        role_types: Sequence[str] = (),
        limit: int = 1000,
    ) -> list[str]:
        """Commit hashes, newest first, whose message or payload text contains ``text``
        (case-insensitive, literally: LIKE wildcards are escaped), of ``content_type``, and of
        ``role`` (a dialogue with that role, or a commit of one of ``role_types``: the content
        types whose messages always have that role). One streamed query; at most ``limit``."""


class CommitParentRepository(ABC):
    @abstractmethod
    def add(self, commit_hash: str, parents: Sequence[str]) -> None:
        """Record all parents of a merge commit, positions 0.. in order."""

    @abstractmethod
    def parents_of(self, hashes: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """All parents (position order) of the given merge commits; absent = not a merge."""

    @abstractmethod
    def merges_with_parent(self, parent_hash: str) -> list[str]: ...

    @abstractmethod
    def delete_for(self, hashes: Iterable[str]) -> int:
        """Delete the rows naming any of ``hashes`` on either side (GC)."""


class RefRepository(ABC):
    @abstractmethod
    def get(self, tract_id: str, ref_name: str) -> RefInfo | None: ...

    @abstractmethod
    def head_state(self, tract_id: str) -> tuple[RefInfo | None, str | None, datetime | None]:
        """The HEAD row, the commit it resolves to (through its branch when symbolic) and
        that commit's created_at — one query, because every append needs all three."""

    @abstractmethod
    def list(self, tract_id: str) -> list[RefInfo]: ...

    @abstractmethod
    def set_direct(self, tract_id: str, ref_name: str, commit_hash: str) -> None: ...

    @abstractmethod
    def set_symbolic(self, tract_id: str, ref_name: str, target: str) -> None: ...

    @abstractmethod
    def delete(self, tract_id: str, ref_name: str) -> bool: ...

    @abstractmethod
    def delete_pointing_at(self, hashes: Iterable[str]) -> int: ...


class AnnotationRepository(ABC):
    @abstractmethod
    def add(
        self, tract_id: str, target: str, priority: Priority, reason: str | None, at: datetime
    ) -> AnnotationInfo: ...

    @abstractmethod
    def history(self, target: str) -> list[AnnotationInfo]:
        """Oldest first (created_at, then id)."""

    @abstractmethod
    def in_force(
        self, targets: Iterable[str], at: datetime | None = None
    ) -> dict[str, AnnotationInfo]:
        """The newest annotation with created_at ≤ ``at`` per target (ties: higher id)."""

    @abstractmethod
    def in_force_for_tract(
        self, tract_id: str, at: datetime | None = None
    ) -> dict[str, AnnotationInfo]:
        """In-force annotation of every annotated commit of a tract (one query)."""

    @abstractmethod
    def max_id(self, tract_id: str) -> int: ...

    @abstractmethod
    def since(self, tract_id: str, after_id: int) -> list[AnnotationInfo]: ...

    @abstractmethod
    def delete_for(self, targets: Iterable[str]) -> int: ...


class OperationEventRepository(ABC):
    @abstractmethod
    def add(self, event: OperationEvent) -> None:
        """Write the event and its source/result commit links (positions in tuple order)."""

    @abstractmethod
    def get(self, event_id: str) -> OperationEvent | None: ...

    @abstractmethod
    def get_many(self, event_ids: Iterable[str]) -> dict[str, OperationEvent]:
        """Several events, each with its sources and results in order (two queries)."""

    @abstractmethod
    def list(
        self, tract_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[OperationEvent]:
        """Newest first, each with its sources and results in order."""

    @abstractmethod
    def count(self, tract_id: str) -> int: ...

    @abstractmethod
    def for_commits(self, hashes: Iterable[str]) -> dict[str, builtins.list[tuple[str, str]]]:
        """Per commit: (event_id, role) pairs it takes part in."""

    @abstractmethod
    def commit_links(self, hashes: Iterable[str]) -> dict[str, builtins.list[tuple[str, str, str]]]:
        """Per commit: (event_id, event_type, role) of the events it takes part in."""

    @abstractmethod
    def referenced_commits(
        self, tract_id: str | None = None, role: str | None = None
    ) -> set[str]: ...

    @abstractmethod
    def unlink_commits(self, hashes: Iterable[str]) -> None: ...

    @abstractmethod
    def delete_empty(self, event_ids: Iterable[str] | None = None) -> int:
        """Delete events left with no commit links (only among ``event_ids`` when given)."""


class CompileRecordRepository(ABC):
    @abstractmethod
    def add(self, record: CompileRecord) -> None: ...

    @abstractmethod
    def get(self, record_id: str) -> CompileRecord | None: ...

    @abstractmethod
    def list(
        self, tract_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[CompileRecord]:
        """Newest first; ``effectives`` left empty (load one record with :meth:`get`)."""

    @abstractmethod
    def count(self, tract_id: str) -> int: ...

    @abstractmethod
    def effectives_of(self, record_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """The ordered effective commits of several records (one query per chunk)."""

    @abstractmethod
    def records_using(self, hashes: Iterable[str]) -> dict[str, builtins.list[str]]: ...

    @abstractmethod
    def referenced_commits(self) -> set[str]: ...

    @abstractmethod
    def delete_older_than(self, tract_id: str, cutoff: datetime) -> int: ...


class SpawnPointerRepository(ABC):
    @abstractmethod
    def add(self, pointer: SpawnPointer) -> SpawnPointer: ...

    @abstractmethod
    def all(self) -> list[SpawnPointer]: ...

    @abstractmethod
    def for_child(self, child_tract_id: str) -> SpawnPointer | None: ...


class PolicyRepository(ABC):
    """Read-only: we preserve the policy tables, we do not drive them."""

    @abstractmethod
    def proposals(self, tract_id: str) -> list[PolicyProposal]: ...

    @abstractmethod
    def log(self, tract_id: str, limit: int = 100) -> list[PolicyLogEntry]: ...


class MetaRepository(ABC):
    @abstractmethod
    def get(self, key: str) -> str | None: ...

    @abstractmethod
    def set(self, key: str, value: str) -> None: ...

    @abstractmethod
    def all(self) -> dict[str, str]: ...


class MessageFacts(NamedTuple):
    """What a message was made from: the blob, its type, its stored text and cached tokens."""

    content_hash: str
    content_type: str
    payload_json: str | None  # None when the blob is missing
    message_tokens: int | None  # cached compiled-message tokens for the asked encoding


class LineageRepository(ABC):
    """Reads behind the explanations (``core.explain``); each one set-based."""

    @abstractmethod
    def metadata_texts(
        self, hashes: Iterable[str], needle: str, *, tract_id: str | None = None
    ) -> dict[str, Any]:
        """The stored metadata (raw) of those commits whose metadata text contains ``needle``:
        a filter before parsing, for a key few commits have. With ``tract_id`` (most of the
        hashes are its commits) the tract is scanned once instead of looked up by hash."""

    @abstractmethod
    def effective_hashes(self, record_id: str) -> list[str]:
        """A record's effective commits in position order (hashes only: cheap for 100k)."""

    @abstractmethod
    def effective_positions(self, record_id: str, hashes: Iterable[str]) -> dict[str, int]:
        """Positions in a record of those of ``hashes`` it lists."""

    @abstractmethod
    def edits_of_tract(self, tract_id: str) -> list[tuple[str, str, datetime]]:
        """(edit hash, target, created_at) of every EDIT commit of a tract."""

    @abstractmethod
    def children(self, hashes: Iterable[str]) -> dict[str, list[str]]:
        """Per commit: the commits naming it as first or merge parent."""

    @abstractmethod
    def of_types(self, tract_id: str, types: Sequence[str]) -> list[str]:
        """Commits of a tract with one of the content types."""

    @abstractmethod
    def created_between(self, tract_id: str, after: datetime, until: datetime) -> list[str]:
        """Commits of a tract with ``after`` < created_at ≤ ``until``."""

    @abstractmethod
    def descendants(self, hashes: Iterable[str], *, cap: int) -> set[str]:
        """The commits reachable forward (children, over both parent kinds), seeds included;
        at most ``cap`` of them."""

    @abstractmethod
    def message_facts(self, hashes: Iterable[str], encoding: str) -> dict[str, MessageFacts]:
        """Per commit: its blob, type, stored payload text and cached message tokens."""

    @abstractmethod
    def events_light(self, tract_id: str) -> list[OperationEvent]:
        """A tract's events with their links, params without the compress's old → new maps
        (``replayed``, ``preserved``: read those from :meth:`params_text`)."""

    @abstractmethod
    def params_text(self, event_ids: Sequence[str]) -> dict[str, str]:
        """The stored params JSON text of events (not parsed: a compress's maps can hold a
        whole history, and a lookup of one hash is a substring search)."""


class UnitOfWork(ABC):
    """All repositories over one connection inside one transaction."""

    blobs: BlobRepository
    commits: CommitRepository
    parents: CommitParentRepository
    refs: RefRepository
    annotations: AnnotationRepository
    events: OperationEventRepository
    records: CompileRecordRepository
    spawns: SpawnPointerRepository
    policies: PolicyRepository
    meta: MetaRepository
    lineage: LineageRepository
    head_tables: Any  # sqla.head_tables.SqlHeadTablesRepository: what tract-ai v7–v13 add
    version: Any  # versions.StoreVersion: the layout this unit of work reads
    writable: bool

    @abstractmethod
    def lock_tract(self, tract_id: str) -> None:
        """Serialise writers of one tract until this transaction ends."""

    @abstractmethod
    def savepoint(self) -> Any:
        """A nested transaction context manager (rolls back only its own work)."""
