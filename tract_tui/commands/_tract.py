"""Opening the tract a command works on: ``STORE`` plus an optional ``--tract ID``."""

from __future__ import annotations

import argparse

from core import Tract


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="STORE", help="store path or SQLAlchemy URL")
    parser.add_argument(
        "--tract", metavar="ID", help="tract id (needed when the store holds several)"
    )


def open_tract(args: argparse.Namespace, *, readonly: bool | None = None) -> Tract:
    """The named tract, or the only one (several without ``--tract`` is an error listing them)."""
    return Tract.open(args.store, getattr(args, "tract", None), readonly=readonly)
