"""JSON for requests and responses that stays within RFC 8259.

Python's json module accepts NaN and Infinity, and recursion on deeply nested
arrays escapes as RecursionError. Both become ordinary "invalid JSON" errors here,
so clients get a 400 instead of a 500 or a reply that other parsers reject.
"""

from __future__ import annotations

import json
import math

from flask.json.provider import DefaultJSONProvider


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON; send numbers as finite decimals.")


def _finite(value):
    """Replace NaN and infinities, which JSON cannot carry, with their text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's provider with RFC 8259 parsing and output."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _reject_constant)
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply.") from None

    def dumps(self, obj, **kwargs):
        kwargs.setdefault("allow_nan", False)
        try:
            return super().dumps(obj, **kwargs)
        except ValueError:
            return super().dumps(_finite(obj), **kwargs)
