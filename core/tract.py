"""The facade: ``Tract`` — one tract in one store — and store-level helpers.

Every method is one transaction (or joins the caller's ``batch()``). The operations themselves
live in ``core.operations``; this class resolves refs, holds the compile cache, and keeps the
cache honest when history changes structurally.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Self

from core.engine.clock import SYSTEM_CLOCK, Clock, from_storage
from core.engine.rules import rules_named
from core.engine.tokens import TokenCounter, default_counter
from core.errors import CompileError, NotFoundError, StoreDamagedError, TractError
from core.facade.compress import CompressMixin
from core.facade.explain import ExplainMixin
from core.facade.llm import LLMMixin
from core.facade.merge import MergeMixin
from core.facade.rewrite import RewriteMixin
from core.facade.tract_ai_features import TractAIFeaturesMixin
from core.models import content as c
from core.models.compiled import CompiledContext, CompileRow
from core.models.content import DEFAULT_REGISTRY, ContentRegistry
from core.models.enums import CommitOperation, Priority
from core.models.records import AnnotationInfo, CommitInfo, CompileRecord, HeadState
from core.operations import annotate as annotate_op
from core.operations import branches as branches_op
from core.operations import commit as commit_op
from core.operations import navigation as nav
from core.operations.budget import TokenBudget
from core.operations.compile import Compiler, QuietHead, write_record
from core.operations.context import TractContext, head_state
from core.operations.tracts import TractSummary, list_tracts
from core.storage.repositories import UnitOfWork
from core.storage.store import Store
from core.storage.upgrade import UpgradeReport


class TractSelectionError(TractError):
    """The store holds several tracts and none was named."""

    def __init__(self, store: str, tracts: list[TractSummary]) -> None:
        names = ", ".join(t.tract_id[:12] for t in tracts[:8])
        super().__init__(f"{store}: holds {len(tracts)} tracts ({names}); name one with --tract")
        self.tracts = tracts


@dataclass(frozen=True)
class Status:
    head: str | None
    branch: str | None
    detached: bool
    commit_count: int
    token_count: int
    token_source: str
    recent: tuple[CommitInfo, ...]


class Tract(MergeMixin, CompressMixin, RewriteMixin, LLMMixin, ExplainMixin, TractAIFeaturesMixin):
    """One tract in one store.

    History, refs and compile live here; the other operation groups come from the mixins in
    ``core.facade`` (merge and diff, compress and revert, rebase/import/GC/spawn, LLM calls,
    explanations).
    """

    def __init__(
        self,
        store: Store,
        tract_id: str,
        *,
        counter: TokenCounter | None = None,
        clock: Clock | None = None,
        registry: ContentRegistry | None = None,
        owns_store: bool = False,
        budget: TokenBudget | None = None,
    ) -> None:
        self.store = store
        self.budget = budget  # checked by every commit (core.facade.llm._check_budget)
        self.ctx = TractContext(
            tract_id,
            registry or DEFAULT_REGISTRY,
            counter or default_counter(),
            clock or SYSTEM_CLOCK,
            # The store compiles as the tract-ai that owns it (b226678 up to v6, c2f26dd on).
            rules_named(store.version.rules),
        )
        self.compiler = Compiler(self.ctx)
        self._local = threading.local()
        # Set while nothing but this tract's own appends has changed the store since it last
        # read HEAD: an append then does not read HEAD, a compile reads nothing.
        self._quiet: QuietHead | None = None
        self._owns_store = owns_store

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        target: str | os.PathLike[str] | Store,
        tract_id: str | None = None,
        *,
        create: bool = False,
        readonly: bool | None = None,
        **kwargs: Any,
    ) -> Tract:
        """Open the tract of a store; the only tract is found without an id.

        A store with several tracts and no ``tract_id`` raises :class:`TractSelectionError`
        (its ``tracts`` list the spawn tree). An empty store gives a new tract id; nothing is
        written until the first commit.
        """
        owns = not isinstance(target, Store)
        store = (
            target
            if isinstance(target, Store)
            else Store.open(target, create=create, readonly=readonly)
        )
        try:
            if tract_id is None:
                with store.read() as uow:
                    ids = uow.commits.tract_ids()
                    if len(ids) > 1:
                        raise TractSelectionError(store.display, list_tracts(uow))
                tract_id = ids[0] if ids else uuid.uuid4().hex
            return cls(store, tract_id, owns_store=owns, **kwargs)
        except BaseException:
            if owns:
                store.close()
            raise

    def require_intact(self, action: str) -> None:
        """Refuse to ``action`` (a write) when the store's quick check finds damage: refs to
        missing commits, missing or unreadable content, cycles, … (``core.views.health``).
        Writing on top of damage spreads it; ``verify`` says exactly what is wrong."""
        from core.views.health import quick_check

        with self._read() as uow:
            check = quick_check(uow, self.tract_id, registry=self.ctx.registry)
        if not check.ok:
            raise StoreDamagedError(
                f"{self.store.display}: refusing to {action}: the store looks damaged "
                f"({check.findings()}); run tract-tui verify, or pass --force to {action} anyway"
            )

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> Tract:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def tract_id(self) -> str:
        return self.ctx.tract_id

    def _sibling(self, tract_id: str) -> Self:
        # Same class, store, counter, clock and types; the sibling never closes the store.
        return type(self)(
            self.store,
            tract_id,
            counter=self.ctx.counter,
            clock=self.ctx.clock,
            registry=self.ctx.registry,
        )

    # -- transactions -----------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[UnitOfWork]:
        batch: UnitOfWork | None = getattr(self._local, "batch", None)
        if batch is not None:
            yield batch
            return
        with self.store.write() as uow:
            yield uow

    @contextmanager
    def _read(self) -> Iterator[UnitOfWork]:
        batch: UnitOfWork | None = getattr(self._local, "batch", None)
        if batch is not None:
            yield batch
            return
        with self.store.read() as uow:
            yield uow

    @contextmanager
    def batch(self) -> Iterator[Tract]:
        """Everything inside commits together; an exception rolls all of it back."""
        if getattr(self._local, "batch", None) is not None:
            yield self
            return
        try:
            with self.store.write() as uow:
                self._local.batch = uow
                yield self
        except BaseException:
            self.compiler.clear()  # snapshots may have seen the rolled-back commits
            raise
        finally:
            self._local.batch = None

    @property
    def in_batch(self) -> bool:
        return getattr(self._local, "batch", None) is not None

    # -- history ----------------------------------------------------------------------------

    def commit(
        self,
        content: Mapping[str, Any],
        operation: CommitOperation = CommitOperation.APPEND,
        message: str | None = None,
        response_to: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        generation_config: Mapping[str, Any] | None = None,
    ) -> CommitInfo:
        # Outside a batch the new commit goes to the compiler once it is committed, so the
        # next compile does not read back what was just written.
        written: list[CompileRow] | None = None if self.in_batch else []
        quiet, self._quiet = self._quiet, None
        with self._write() as uow:
            if response_to is not None:
                response_to = self._resolve_existing(uow, response_to)
            self._check_budget(uow, content, operation, response_to)
            # HEAD is as last known when nobody has committed since (checked under the
            # writer's lock, which holds until this commits).
            if quiet is not None and (
                written is None or not self.store.unchanged_in(uow, quiet.token)
            ):
                quiet = None
            info = commit_op.commit(
                uow,
                self.ctx,
                content,
                operation=operation,
                message=message,
                response_to=response_to,
                metadata=metadata,
                generation_config=generation_config,
                state=quiet.state if quiet is not None else None,
                written=written,
            )
        if written:
            self.compiler.note_written(written[0])
            # Still known after it, unless it also wrote an annotation (a snapshot reads those).
            if quiet is not None and not commit_op.auto_pinned(self.ctx, info.content_type):
                self._quiet = quiet.appended(info)
        return info

    def _resolve_existing(self, uow: UnitOfWork, ref: str) -> str:
        try:
            return nav.resolve(uow, self.ctx, ref)
        except NotFoundError:
            return ref  # let edit-target validation name the problem

    def system(self, text: str, **kw: Any) -> CommitInfo:
        return self.commit(c.instruction(text), **kw)

    def user(self, text: str, name: str | None = None, **kw: Any) -> CommitInfo:
        return self.commit(c.dialogue("user", text, name), **kw)

    def assistant(
        self,
        text: str,
        name: str | None = None,
        generation_config: Mapping[str, Any] | None = None,
        **kw: Any,
    ) -> CommitInfo:
        return self.commit(
            c.dialogue("assistant", text, name), generation_config=generation_config, **kw
        )

    def edit(self, target: str, content: Mapping[str, Any], **kw: Any) -> CommitInfo:
        return self.commit(content, CommitOperation.EDIT, response_to=target, **kw)

    def annotations(self, target: str) -> list[AnnotationInfo]:
        with self._read() as uow:
            return uow.annotations.history(nav.resolve(uow, self.ctx, target))

    def priority(self, target: str) -> Priority:
        with self._read() as uow:
            return annotate_op.priority_in_force(uow, self.ctx, nav.resolve(uow, self.ctx, target))

    def resolve(self, ref: str) -> str:
        with self._read() as uow:
            return nav.resolve(uow, self.ctx, ref)

    def get_commit(self, ref: str) -> CommitInfo | None:
        with self._read() as uow:
            try:
                return uow.commits.get(nav.resolve(uow, self.ctx, ref))
            except NotFoundError:
                return None

    def log(
        self,
        limit: int | None = 20,
        op_filter: CommitOperation | None = None,
        start: str | None = None,
    ) -> list[CommitInfo]:
        with self._read() as uow:
            head = nav.resolve(uow, self.ctx, start) if start else None
            return nav.log(uow, self.ctx, start=head, limit=limit, op_filter=op_filter)

    def head_state(self) -> HeadState:
        with self._read() as uow:
            return head_state(uow, self.tract_id)

    @property
    def head(self) -> str | None:
        return self.head_state().commit

    @property
    def current_branch(self) -> str | None:
        return self.head_state().branch

    @property
    def is_detached(self) -> bool:
        return self.head_state().detached

    def status(self) -> Status:
        with self._read() as uow:
            state = head_state(uow, self.tract_id)
            compiled = self.compiler.compile(uow, head=state.commit) if state.commit else None
            recent = tuple(nav.log(uow, self.ctx, limit=3))
        return Status(
            head=state.commit,
            branch=state.branch,
            detached=state.detached,
            commit_count=compiled.commit_count if compiled else 0,
            token_count=compiled.token_count if compiled else 0,
            token_source=compiled.token_source if compiled else "",
            recent=recent,
        )

    # -- refs and branches ------------------------------------------------------------------

    def reset(self, target: str) -> str:
        with self._write() as uow:
            return nav.reset(uow, self.ctx, target)

    def checkout(self, target: str) -> HeadState:
        with self._write() as uow:
            return nav.checkout(uow, self.ctx, target)

    def switch(self, name: str) -> str | None:
        with self._write() as uow:
            return branches_op.switch_branch(uow, self.ctx, name)

    def branch(self, name: str, source: str | None = None, switch: bool = True) -> str:
        with self._write() as uow:
            return branches_op.create_branch(uow, self.ctx, name, source, switch=switch)

    def list_branches(self) -> list[branches_op.BranchInfo]:
        with self._read() as uow:
            return branches_op.list_branches(uow, self.ctx)

    def delete_branch(self, name: str, force: bool = False) -> None:
        with self._write() as uow:
            branches_op.delete_branch(uow, self.ctx, name, force=force)

    # -- compile ----------------------------------------------------------------------------

    def compile(
        self,
        *,
        at: str | None = None,
        at_time: datetime | None = None,
        include_edit_annotations: bool = False,
        record: bool = False,
        reason: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> CompiledContext:
        """Compile HEAD, or ``at`` a commit, or as of ``at_time``; optionally recorded."""
        if at is not None and at_time is not None:
            raise CompileError("compile at a commit or at a time, not both")
        if at_time is not None:
            at_time = from_storage(at_time)
        known = at is None and at_time is None and not record and not self.in_batch
        token = self.store.change_token() if known else None
        if token is not None:
            quiet = self._quiet
            known_head = quiet.state.commit if quiet is not None else None
            if quiet is not None and token == quiet.token and known_head is not None:
                compiled = self.compiler.compile_known(
                    known_head, quiet.base, include_edit_annotations=include_edit_annotations
                )
                if compiled is not None:
                    self._quiet = quiet._replace(base=known_head)
                    return compiled
        opener = self._write if record else self._read
        with opener() as uow:
            head = nav.resolve(uow, self.ctx, at) if at is not None else None
            state = head_state(uow, self.tract_id) if token is not None else None
            compiled = self.compiler.compile(
                uow,
                head=state.commit if state is not None else head,
                at_time=at_time,
                include_edit_annotations=include_edit_annotations,
            )
            if not record:
                if token is not None and state is not None and state.commit:
                    self._quiet = QuietHead(token, state, state.commit)
                return compiled
            rec_params: dict[str, Any] = {"purpose": "compile", "reason": reason}
            if at is not None:
                rec_params["at_commit"] = head
            if at_time is not None:
                rec_params["at_time"] = at_time.isoformat()
            rec_params.update(params or {})
            rec = write_record(uow, self.ctx, compiled, rec_params)
            return replace(compiled, record_id=rec.record_id)

    def records(self, limit: int | None = None) -> list[CompileRecord]:
        with self._read() as uow:
            return uow.records.list(self.tract_id, limit=limit)

    def get_record(self, record_id: str) -> CompileRecord:
        with self._read() as uow:
            rec = uow.records.get(record_id)
            if rec is None or rec.tract_id != self.tract_id:
                raise NotFoundError(f"no compile record {record_id!r} in this tract")
            return rec


def create_tract(target: str | os.PathLike[str], **kwargs: Any) -> Tract:
    """A new tract in a new or existing store."""
    store = Store.open(target, create=True)
    return Tract(store, uuid.uuid4().hex, owns_store=True, **kwargs)


def set_store_setting(store: Store, key: str, value: str) -> None:
    """Set a database-wide setting (``_trace_meta``); one transaction."""
    with store.write() as uow:
        uow.meta.set(key, value)


def upgrade_store(target: str | os.PathLike[str], *, to: int | None = None) -> UpgradeReport:
    """Upgrade a store explicitly (a SQLite file is backed up beside itself first).

    Without ``to``: a v1–v5 store becomes v6, a store tract-ai relabelled without renaming its
    edit column is repaired, and our additions are applied; tract-ai's version is otherwise
    kept. With ``to`` (7..13): tract-ai's layout is brought to that version as well.
    """
    from core.storage.upgrade import upgrade_store as upgrade

    return upgrade(target, to=to)
