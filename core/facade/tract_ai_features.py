"""What tract-ai v7–v13 add, on :class:`core.Tract`: IMPORTANT with retention rules, tags, the
tools commits carry, how each content type compiles, and the store-info tables.

Each write needs the tract-ai version that brought its table; on an older store it is refused
with the ``tract-tui upgrade --to N`` that makes it possible (the store is never moved to a
newer tract-ai version behind its owner's back).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from core.errors import NotFoundError, TractError
from core.facade.base import FacadeBase
from core.models.enums import Priority
from core.models.records import AnnotationInfo, RegisteredTag, Retention, StoreInfo
from core.operations import annotate as annotate_op
from core.operations import navigation as nav
from core.storage.repositories import UnitOfWork
from core.storage.sqla.head_tables import SqlHeadTablesRepository
from core.storage.versions import StoreVersion


def _head(uow: UnitOfWork) -> SqlHeadTablesRepository:
    # The unit of work types it loosely (storage's abstract layer does not know sqla).
    return cast(SqlHeadTablesRepository, uow.head_tables)


class TagNotRegisteredError(TractError):
    """The tract's tag registry does not list the tag (tract-ai refuses unregistered tags)."""


class NeedsNewerLayoutError(TractError):
    """The feature needs a newer tract-ai layout than the store has."""


@dataclass(frozen=True)
class ContentTypeInfo:
    """How a content type behaves in this store: whether it compiles, its default priority
    and the role its messages take (``None`` when it never compiles)."""

    content_type: str
    compiles: bool
    default_priority: Priority
    role: str | None


# What each writable v7+ feature needs: (table, column, tract-ai version, its name).
FEATURES: dict[str, tuple[str, str | None, int, str]] = {
    "important": ("annotations", "retention_json", 7, "the IMPORTANT priority"),
    "tags": ("tag_annotations", None, 10, "tags"),
}


def _refusal(version: StoreVersion, table: str, column: str | None, at: int, what: str) -> str:
    return (
        f"{what} needs tract-ai schema v{at} or newer; this store is at "
        f"v{version.schema_version} (run: tract-tui upgrade --to {at} STORE)"
    )


def _needs(uow: UnitOfWork, table: str, column: str | None, version: int, what: str) -> None:
    if not uow.version.has(table, column):
        raise NeedsNewerLayoutError(_refusal(uow.version, table, column, version, what))


class TractAIFeaturesMixin(FacadeBase):
    def unsupported(self, feature: str) -> str | None:
        """None when this store's layout can write ``feature`` (``important``, ``tags``), else
        the sentence saying why not and what would make it possible (nothing is read)."""
        table, column, at, what = FEATURES[feature]
        version = self.store.version
        return None if version.has(table, column) else _refusal(version, table, column, at, what)

    # -- priorities and retention ---------------------------------------------------------

    def annotate(
        self,
        target: str,
        priority: Priority,
        reason: str | None = None,
        retention: Retention | None = None,
    ) -> AnnotationInfo:
        """Set a commit's priority. IMPORTANT (tract-ai v7+) may carry retention rules."""
        if retention is not None and priority is not Priority.IMPORTANT:
            raise TractError("retention rules go with the IMPORTANT priority only")
        with self._write() as uow:
            if priority is Priority.IMPORTANT:
                _needs(uow, "annotations", "retention_json", 7, "the IMPORTANT priority")
            commit_hash = nav.resolve(uow, self.ctx, target)
            info = annotate_op.annotate(uow, self.ctx, commit_hash, priority, reason)
            if retention is not None:
                _head(uow).set_retention(info.id, retention)
            return info

    def retention(self, target: str) -> Retention | None:
        """The retention rules in force for a commit (None when it has none)."""
        with self._read() as uow:
            commit_hash = nav.resolve(uow, self.ctx, target)
            return _head(uow).retention_of([commit_hash]).get(commit_hash)

    def retention_of(self, hashes: Iterable[str]) -> dict[str, Retention]:
        """Retention rules in force per commit, for the compress prompt and plan."""
        with self._read() as uow:
            return _head(uow).retention_of(hashes)

    # -- tags -----------------------------------------------------------------------------

    def tags(self, target: str) -> tuple[str, ...]:
        with self._read() as uow:
            commit_hash = nav.resolve(uow, self.ctx, target)
            return _head(uow).tags_of([commit_hash]).get(commit_hash, ())

    def tags_of(self, hashes: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Tags per commit (commit-time tags first, then the ones added later)."""
        with self._read() as uow:
            return _head(uow).tags_of(hashes)

    def commits_tagged(self, tag: str) -> set[str]:
        """Every commit of this tract with ``tag`` (the ``tag:NAME`` search)."""
        with self._read() as uow:
            return _head(uow).commits_tagged(self.tract_id, tag)

    def registered_tags(self) -> list[RegisteredTag]:
        with self._read() as uow:
            return _head(uow).registered_tags(self.tract_id)

    def register_tag(self, name: str, description: str | None = None) -> bool:
        """Add ``name`` to the tract's tag registry; False when it was there already."""
        name = _tag_name(name)
        with self._write() as uow:
            _needs(uow, "tag_registry", None, 10, "tags")
            return _head(uow).register_tag(self.tract_id, name, description, self.ctx.now())

    def tag(
        self, target: str, name: str, *, register: bool = False, description: str | None = None
    ) -> None:
        """Tag a commit (a tag added later, as tract-ai's ``tag()``; removable with untag).

        tract-ai refuses tags its registry does not list: an unregistered ``name`` raises
        :class:`TagNotRegisteredError` unless ``register`` adds it in the same transaction.
        """
        name = _tag_name(name)
        with self._write() as uow:
            _needs(uow, "tag_annotations", None, 10, "tags")
            commit_hash = nav.resolve(uow, self.ctx, target)
            if not uow.commits.exists_in_tract(self.tract_id, [commit_hash]):
                raise NotFoundError(f"commit {commit_hash[:12]} not found in this tract")
            uow.lock_tract(self.tract_id)
            heads = uow.head_tables
            if not heads.is_registered(self.tract_id, name):
                if not register:
                    raise TagNotRegisteredError(
                        f"tag {name!r} is not registered in this tract (register it first)"
                    )
                heads.register_tag(self.tract_id, name, description, self.ctx.now())
            if name in heads.tags_of([commit_hash]).get(commit_hash, ()):
                return
            heads.add_tag(self.tract_id, commit_hash, name, self.ctx.now())

    def untag(self, target: str, name: str) -> bool:
        """Remove a tag added later; True when one was removed. Tags fixed at commit time
        (``tags_json``) cannot be removed, as in tract-ai."""
        with self._write() as uow:
            _needs(uow, "tag_annotations", None, 10, "tags")
            commit_hash = nav.resolve(uow, self.ctx, target)
            return _head(uow).remove_tag(self.tract_id, commit_hash, name) > 0

    # -- tools, content types, store info -------------------------------------------------

    def tools_of(self, hashes: Iterable[str]) -> dict[str, tuple[dict[str, Any], ...]]:
        """The tool definitions linked to each commit (tract-ai v8+), in order."""
        with self._read() as uow:
            return _head(uow).tools_of(hashes)

    def content_type_info(self, content_type: str) -> ContentTypeInfo:
        rules, registry = self.ctx.rules, self.ctx.registry
        compiles = rules.compilable(content_type)
        role = None
        if compiles:
            sample: dict[str, Any] = {"content_type": content_type}
            if content_type == "dialogue":
                role = "user or assistant (from the message)"
            else:
                role = rules.render(registry, sample)[0]
        return ContentTypeInfo(
            content_type, compiles, rules.default_priority(registry, content_type), role
        )

    def store_info(self) -> StoreInfo:
        """The store's layout, and tract-ai's settings tables for this tract (read-only)."""
        with self._read() as uow:
            heads = uow.head_tables
            version = self.store.version
            return StoreInfo(
                schema_version=version.schema_version,
                layout=version.label,
                rules=version.rules,
                config_changes=tuple(heads.config_changes(self.tract_id)),
                behavioral_specs=tuple(heads.behavioral_specs(self.tract_id)),
                operation_configs=tuple(heads.operation_configs(self.tract_id)),
                registered_tags=tuple(heads.registered_tags(self.tract_id)),
            )


def _tag_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise TractError(f"a tag name must be 1..100 characters: {name!r}")
    return name
