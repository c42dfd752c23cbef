"""Field specifications of content models: pydantic-style validation without pydantic.

A missing required field, a wrong type or a value outside an allowed set is a
``ContentValidationError``; ``bool`` never passes for another kind; dict values must be
JSON-serialisable (they end up in a blob).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from core.errors import ContentValidationError


@dataclass(frozen=True)
class FieldSpec:
    """One field of a content model."""

    name: str
    kind: type | tuple[type, ...]
    required: bool = True
    default: Any = None
    choices: frozenset[str] | None = None
    nullable: bool = False
    list_of: type | None = None  # for list fields: the element type

    def validate(self, content_type: str, raw: Mapping[str, Any]) -> Any:
        if self.name not in raw:
            if self.required:
                raise ContentValidationError(
                    f"{content_type}: missing required field {self.name!r}"
                )
            # Copy mutable defaults so payloads never share a list.
            return list(self.default) if isinstance(self.default, list) else self.default
        value = raw[self.name]
        if value is None:
            if self.nullable:
                return None
            raise ContentValidationError(f"{content_type}.{self.name}: must not be null")
        # bool is an int subclass; a field of another kind never accepts it.
        if isinstance(value, bool) and bool not in _as_tuple(self.kind):
            raise ContentValidationError(
                f"{content_type}.{self.name}: expected {_kind_name(self.kind)}, got bool"
            )
        if not isinstance(value, self.kind):
            raise ContentValidationError(
                f"{content_type}.{self.name}: expected {_kind_name(self.kind)}, "
                f"got {type(value).__name__}"
            )
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(sorted(self.choices))
            raise ContentValidationError(
                f"{content_type}.{self.name}: {value!r} is not one of {allowed}"
            )
        if self.list_of is not None:
            value = cast("list[Any]", value)  # a list_of field is of kind list (checked above)
            for i, item in enumerate(value):
                if not isinstance(item, self.list_of) or isinstance(item, bool):
                    raise ContentValidationError(
                        f"{content_type}.{self.name}[{i}]: expected {self.list_of.__name__}, "
                        f"got {type(item).__name__}"
                    )
            value = list(value)
        if isinstance(value, dict):
            value = _json_safe_dict(content_type, self.name, value)
        return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "string", dict: "object", list: "list", int: "integer", float: "number"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _json_safe_dict(content_type: str, name: str, value: dict[str, Any]) -> dict[str, Any]:
    try:
        json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ContentValidationError(
            f"{content_type}.{name}: not JSON-serialisable ({exc})"
        ) from None
    return value
