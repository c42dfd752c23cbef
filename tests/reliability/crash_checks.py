"""What must hold after a SIGKILL, whatever moment it hit (issue 5, item 3).

For compress / import / revert on a v6 store (``check_operation``):

- the store opens and compiles; ``verify_store`` is clean;
- no event disappeared; at most one appeared. If none: every branch tip and every table's row
  count is as before (nothing half-written). If one: it is *complete* — its linked commits and
  params match what a dry run said and where the branch now is (``_check_event``);
- no branch lost a commit: whatever left a branch's ancestor set is accounted for by that
  complete event (a source or a replayed/preserved original of a compress; for a revert, the
  results and copies of the event it reverted).

For an upgrade (``check_upgrade``): the version markers (table set, ``_trace_meta
.schema_version``, our revision) are all old or all new, never between, with the row counts of
the original or of a clean upgrade; every backup file beside it is an intact copy of the
original; opening the store again brings it to head; ``verify`` is clean; no branch lost a
commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core import Tract
from core.operations.verify import verify_store
from core.storage.store import Store, upgrade_store
from tests.reliability.storefacts import (
    CACHE_TABLE,
    EventFacts,
    Snapshot,
    VersionFacts,
    is_url,
    snapshot,
    version_facts,
)

BACKUP_MARK = ".backup-"
PARTIAL_SUFFIX = ".partial"
SIDECARS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Expectation:
    """What the operation would do to the prepared store, from a dry run before the kill."""

    op: str
    branch: str = "main"
    sources: tuple[str, ...] = ()  # compress: the summarised originals, in order
    groups: int = 0  # compress: summaries to write
    replay: tuple[str, ...] = ()  # compress: commits re-created after the range
    preserved: tuple[str, ...] = ()  # compress: kept commits inside the range
    commits: int = 0  # import: commits the transcript makes
    reverted: EventFacts | None = None  # revert: the event it undoes


def check_operation(
    target: str, tract_id: str, pre: Snapshot, expect: Expectation
) -> tuple[str, list[str]]:
    """(outcome "absent" | "complete" | "broken", problems) after a kill."""
    problems: list[str] = []
    try:
        with Tract.open(target, tract_id) as tract:
            compiled = tract.compile()
    except Exception as exc:
        return "broken", [f"the store does not open or compile: {exc!r}"]
    report = verify_store(target)
    problems += [f"verify: {p.line()}" for p in report.problems]
    post = snapshot(target, tract_id)
    if not set(compiled.commit_hashes) <= post.ancestors.get(expect.branch, frozenset()):
        problems.append("compile lists commits that are not on the branch")
    gone = set(pre.events) - set(post.events)
    if gone:
        problems.append(f"events disappeared: {sorted(gone)}")
    new = [post.events[e] for e in sorted(set(post.events) - set(pre.events))]
    accounted: set[str] = set()
    if not new:
        outcome = "absent"
        if post.tips != pre.tips:
            problems.append(f"a branch moved without an event: {pre.tips} → {post.tips}")
        before, after = pre.counts_without_cache(), post.counts_without_cache()
        if before != after:
            diff = {
                k: (before.get(k), after.get(k))
                for k in before | after
                if before.get(k) != after.get(k)
            }
            problems.append(f"rows written without an event: {diff}")
    elif len(new) > 1:
        outcome = "broken"
        problems.append(f"{len(new)} events appeared for one operation")
    else:
        outcome = "complete"
        accounted = _check_event(new[0], pre, post, expect, problems)
    for branch, before_anc in pre.ancestors.items():
        if branch not in post.tips:
            problems.append(f"branch {branch} is gone")
            continue
        lost = before_anc - post.ancestors[branch] - accounted
        if lost:
            problems.append(
                f"branch {branch} lost {len(lost)} commit(s) no event accounts for, e.g. "
                f"{sorted(lost)[0][:12]}"
            )
    return ("broken" if problems and outcome != "broken" else outcome), problems


def _delta(pre: Snapshot, post: Snapshot, table: str) -> int:
    return post.counts.get(table, 0) - pre.counts.get(table, 0)


def _check_event(
    ev: EventFacts, pre: Snapshot, post: Snapshot, expect: Expectation, problems: list[str]
) -> set[str]:
    """The new event is complete: returns the commits it accounts for leaving a branch."""
    tip = post.tips.get(expect.branch)
    on_branch = post.ancestors.get(expect.branch, frozenset())
    want_type = {"compress": "compress", "import": "import", "revert": "revert"}[expect.op]
    if ev.event_type != want_type or ev.branch != expect.branch:
        problems.append(f"unexpected event {ev.event_type} on {ev.branch}")
        return set()
    missing = [h for h in (*ev.sources, *ev.results) if h not in post.commits]
    if missing:
        problems.append(f"event {ev.event_id[:12]} links missing commits {missing[:3]}")
    linked = len(ev.sources) + len(ev.results)
    if (
        _delta(pre, post, "operation_commits") != linked
        or _delta(pre, post, "operation_events") != 1
    ):
        problems.append("operation_events/operation_commits rows do not match the event")
    accounted: set[str] = set()
    if expect.op == "compress":
        replayed, preserved = ev.mapped("replayed"), ev.mapped("preserved")
        if ev.sources != expect.sources or len(ev.results) != expect.groups:
            problems.append("compress event: sources/results differ from the dry run")
        if set(replayed) != set(expect.replay) or set(preserved) != set(expect.preserved):
            problems.append("compress event: replayed/preserved maps differ from the dry run")
        if ev.params.get("head_before") != pre.tips.get(expect.branch):
            problems.append("compress event: head_before is not the branch's old tip")
        if ev.params.get("head_after") != tip:
            problems.append("compress event: head_after is not the branch's tip")
        copies = set(replayed.values()) | set(preserved.values()) | set(ev.results)
        if not copies <= on_branch:
            problems.append("compress event: results or copies are not on the branch")
        written = len(ev.results) + len(replayed) + len(preserved)
        if _delta(pre, post, "commits") != written:
            problems.append(f"compress wrote {_delta(pre, post, 'commits')} commits, not {written}")
        accounted = set(ev.sources) | set(replayed) | set(preserved)
        accounted |= set(ev.listed("dropped")) | set(ev.listed("structural"))
    elif expect.op == "import":
        if ev.sources or len(ev.results) != expect.commits:
            problems.append(f"import event links {len(ev.results)} results, not {expect.commits}")
        elif tip != ev.results[-1] or not set(ev.results) <= on_branch:
            problems.append("import event: the branch does not end with its results")
        if _delta(pre, post, "commits") != expect.commits:
            problems.append("import: commits written differ from the event's results")
    else:
        target = expect.reverted
        assert target is not None
        if ev.params.get("reverted_event") != target.event_id:
            problems.append("revert event names another event")
        if tip != target.params.get("head_before") or ev.params.get("head_after") != tip:
            problems.append("revert: the branch is not back at the reverted event's head_before")
        if ev.sources != target.results or ev.results != target.sources:
            problems.append("revert event: links are not the mirror of the reverted event")
        if _delta(pre, post, "commits") != 0:
            problems.append("revert wrote commits")
        accounted = set(target.results) | set(target.mapped("replayed").values())
        accounted |= set(target.mapped("preserved").values())
    return accounted


# --- upgrades -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpgradeFacts:
    original: VersionFacts  # the store before the upgrade
    upgraded: VersionFacts  # the same store after a clean, uninterrupted upgrade
    ancestors: dict[str, frozenset[str]]  # per branch, before the upgrade
    tract_id: str

    @classmethod
    def of(cls, original: str, upgraded: str, tract_id: str) -> UpgradeFacts:
        return cls(
            version_facts(original),
            version_facts(upgraded),
            snapshot(original, tract_id).ancestors,
            tract_id,
        )


def _without_cache(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if k != CACHE_TABLE}


def backups_of(path: Path) -> tuple[list[Path], list[Path]]:
    """(finished backups, leftovers of interrupted ones) beside a store file."""
    done, partial = [], []
    for f in sorted(path.parent.glob(f"{path.stem}{BACKUP_MARK}*")):
        if f.name.endswith(SIDECARS):
            continue
        (partial if f.name.endswith(PARTIAL_SUFFIX) else done).append(f)
    return done, partial


def check_upgrade(target: str, facts: UpgradeFacts) -> tuple[str, list[str]]:
    """(outcome "old" | "new" | "between", problems) after a kill during an upgrade."""
    problems: list[str] = []
    state = version_facts(target)
    if state.key == facts.original.key:
        outcome = "old"
        if state.counts != facts.original.counts:
            problems.append("store at the old version with different row counts")
    elif state.key == facts.upgraded.key:
        outcome = "new"
        if _without_cache(state.counts) != _without_cache(facts.upgraded.counts):
            problems.append("store at the new version with row counts unlike a clean upgrade")
    else:
        outcome = "between"
        problems.append(
            f"store is between versions: schema_version {state.schema_version}, revision "
            f"{state.revision}, tables {sorted(state.tables ^ facts.original.tables)} changed"
        )
    if not is_url(target):
        done, _partial = backups_of(Path(target))
        for backup in done:
            problems += _check_backup(backup, facts.original)
    try:
        # Opening writes nothing: the upgrade is run again explicitly, as a user would.
        upgrade_store(target)
        with Store.open(target) as store:
            if not store.version.at_head:
                problems.append(f"upgrading again left the store at {store.version.label}")
    except Exception as exc:
        return "broken", [*problems, f"the store does not open again: {exc!r}"]
    report = verify_store(target)
    problems += [f"verify: {p.line()}" for p in report.problems]
    after = snapshot(target, facts.tract_id)
    for branch, before in facts.ancestors.items():
        if after.ancestors.get(branch) != before:
            problems.append(f"branch {branch} changed in the upgrade")
    return outcome, problems


def _check_backup(backup: Path, original: VersionFacts) -> list[str]:
    try:
        got = version_facts(str(backup), readonly=True)
        ok = _quick_check(backup)
    except Exception as exc:
        return [f"backup {backup.name} does not open: {exc!r}"]
    if not ok or got.key != original.key or got.counts != original.counts:
        return [f"backup {backup.name} is not an intact copy of the original"]
    return []


def _quick_check(path: Path) -> bool:
    import sqlite3

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute("PRAGMA quick_check")] == ["ok"]
    finally:
        con.close()
