"""The jump history, like an editor's: every jump (a link followed, ``g``, an event's
commits, a why chain) remembers where the user was; ``ctrl+o`` goes back, ``ctrl+i`` (or
``alt+right``) forward again. Plain cursor moves are not jumps.

A place is a view and the key of what is selected in it: a commit hash in the graph, an
event id, a record id. Pure data here; the main screen says where it is and goes there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LIMIT = 100  # places kept each way


@dataclass(frozen=True)
class Place:
    view: str  # "graph", "events" or "records"
    key: str  # commit hash, event id or record id


@dataclass
class JumpHistory:
    back: list[Place] = field(default_factory=list)
    forward: list[Place] = field(default_factory=list)

    def jumped(self, here: Place | None) -> None:
        """A jump leaves ``here``: remember it; a new jump forgets the places ahead."""
        if here is not None and (not self.back or self.back[-1] != here):
            self.back.append(here)
            del self.back[:-LIMIT]
        self.forward.clear()

    def go_back(self, here: Place | None) -> Place | None:
        return self._step(self.back, self.forward, here)

    def go_forward(self, here: Place | None) -> Place | None:
        return self._step(self.forward, self.back, here)

    @staticmethod
    def _step(source: list[Place], other: list[Place], here: Place | None) -> Place | None:
        while source:
            target = source.pop()
            if target == here:  # where the user already is: not a step
                continue
            if here is not None:
                other.append(here)
                del other[:-LIMIT]
            return target
        return None
