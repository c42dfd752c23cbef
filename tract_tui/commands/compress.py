"""``tract-tui compress STORE --from REF --to REF [--summarizer …] [--text …] [--yes]``.

Prints the preview (groups, kept, dropped, tokens before and after); without ``--yes`` it
stops there. With ``--yes`` it summarises and applies, and prints the event.
"""

from __future__ import annotations

import argparse
import json

from core.models.enums import SUMMARIZER_NAMES
from tract_tui.commands import Command
from tract_tui.commands._output import first_line, out, plain
from tract_tui.commands._scripting import add_store_arguments, open_tract


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("--from", dest="from_ref", metavar="REF", help="first commit of the range")
    parser.add_argument("--to", dest="to_ref", metavar="REF", help="last commit (default HEAD)")
    parser.add_argument(
        "--summarizer",
        choices=SUMMARIZER_NAMES,
        default="auto",
        help="auto: the LLM endpoint if OPENAI_API_KEY is set, else extractive",
    )
    parser.add_argument("--text", action="append", help="manual summary (once per group)")
    parser.add_argument("--target-tokens", type=int, help="target size of each summary")
    parser.add_argument("--instructions", help="extra instructions for the summariser")
    parser.add_argument(
        "--preserve",
        action="append",
        default=[],
        metavar="REF",
        help="keep this commit verbatim (repeatable)",
    )
    parser.add_argument("--yes", action="store_true", help="apply without stopping at the preview")
    parser.add_argument(
        "--force", action="store_true", help="apply even if the store looks damaged"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    if args.text and args.summarizer not in ("auto", "manual"):
        raise SystemExit("tract-tui: --text goes with --summarizer manual")
    with open_tract(args) as tract:
        if not args.yes:
            preview = tract.compress_preview(
                from_ref=args.from_ref,
                to_ref=args.to_ref,
                preserve=args.preserve,
                target_tokens=args.target_tokens,
                instructions=args.instructions,
            )
            if args.json:
                out(json.dumps(_preview_json(preview), indent=2))
            else:
                out(*_preview_lines(preview), "", "dry run: add --yes to apply")
            return 0
        if not args.force:
            tract.require_intact("compress")
        # No preview was shown: the plan is made here and, if the range changes before the
        # write (an agent edits or pins a commit in it), made once more and written.
        result = tract.compress(
            from_ref=args.from_ref,
            to_ref=args.to_ref,
            preserve=args.preserve,
            target_tokens=args.target_tokens,
            instructions=args.instructions,
            summaries=args.text,
            summarizer="manual" if args.text else args.summarizer,
        )
    if args.json:
        out(
            json.dumps(
                {
                    "event_id": result.event_id,
                    "branch": result.branch,
                    "head_before": result.head_before,
                    "new_head": result.new_head,
                    "summaries": list(result.summaries),
                    "preserved": result.preserved,
                    "replayed": result.replayed,
                    "original_tokens": result.original_tokens,
                    "compressed_tokens": result.compressed_tokens,
                    "appended_since_plan": result.appended,
                    "replanned": result.replanned,
                    "retention_missed": list(result.retention_missed),
                },
                indent=2,
            )
        )
    else:
        if result.replanned:
            out(f"note: planned again before writing: {plain(result.replanned)}")
        if result.appended:
            out(f"note: {result.appended} commits appended meanwhile were replayed after it")
        if result.retention_missed:
            out(
                "note: the summaries miss retention patterns of IMPORTANT commits: "
                + ", ".join(plain(repr(p)) for p in result.retention_missed)
            )
        out(
            f"compressed {result.source_count} commits into {len(result.summaries)} "
            f"summar{'y' if len(result.summaries) == 1 else 'ies'} on {plain(result.branch)}",
            f"event {result.event_id}: {result.original_tokens} → {result.compressed_tokens} "
            f"tokens ({result.ratio:.0%}); new head {str(result.new_head)[:12]}",
            f"undo with: tract-tui revert {plain(args.store)} {result.event_id}",
        )
    return 0


def _preview_lines(preview) -> list[str]:
    plan = preview.plan
    lines = [
        f"branch {plain(plan.branch)} at {plan.head_before[:12]}: "
        f"{len(plan.selected)} commits selected, {len(plan.replay)} replayed after",
    ]
    lines += [f"  note: {plain(n)}" for n in plan.widened]
    for group, draft, missing in zip(plan.groups, preview.drafts, preview.missing(), strict=True):
        lines.append(
            f"group {group.index + 1}: {len(group.commits)} commits, {group.raw_tokens} tokens"
            f" ({group.commits[0][:8]}..{group.commits[-1][:8]})"
        )
        lines.append(f"  draft: {first_line(draft.splitlines()[-1] if draft else '', 90)}")
        lines += [f"  {line}" for line in retention_lines(group, missing)]
    for role in ("kept", "dropped", "structural"):
        hashes = plan.by_role(role)
        if hashes:
            lines.append(f"{role}: " + ", ".join(h[:8] for h in hashes))
    lines.append(
        f"tokens: {plan.tokens_before} now → about {preview.draft_tokens_after} with the drafts"
    )
    return lines


def retention_lines(group, missing: tuple[str, ...]) -> list[str]:
    """What an IMPORTANT commit in the group asks the summary to keep, and what the draft
    misses of it."""
    if not group.retention:
        return []
    patterns = [p for r in group.retention for p in r.match_patterns]
    asks = [r.instructions for r in group.retention if r.instructions]
    lines = [f"retention: {plain(first_line(a, 80))}" for a in asks]
    if patterns and missing:
        lines.append(
            f"retention: the draft misses {len(missing)} of {len(patterns)} patterns: "
            + ", ".join(plain(repr(p)) for p in missing)
        )
    elif patterns:
        lines.append(f"retention: the draft keeps all {len(patterns)} patterns")
    return lines


def _preview_json(preview) -> dict:
    plan = preview.plan
    return {
        "branch": plan.branch,
        "head_before": plan.head_before,
        "groups": [
            {
                "commits": list(g.commits),
                "raw_tokens": g.raw_tokens,
                "draft": d,
                "retention": [r.to_dict() for r in g.retention],
                "draft_misses": list(m),
            }
            for g, d, m in zip(plan.groups, preview.drafts, preview.missing(), strict=True)
        ],
        "kept": list(plan.by_role("kept")),
        "dropped": list(plan.by_role("dropped")),
        "replay": list(plan.replay),
        "widened": list(plan.widened),
        "tokens_before": plan.tokens_before,
        "tokens_after_estimate": preview.draft_tokens_after,
    }


COMMAND = Command(
    "compress", "summarise a range of commits (preview; --yes applies)", configure, run
)
