"""Calling contexts: which values a function's parameters hold on one call path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from ..syntax.collect import Ctx, Scope
from ..terms import Site
from .values import UNKNOWN, Value


@dataclass(frozen=True)
class Frame:
    """The values a function's parameters hold on one call path.

    ``call`` is the call site that bound them; None for the defaults of a
    function the file never calls.
    """

    scope: Scope
    values: Tuple[Tuple[str, Value], ...]
    call: Optional[Site] = None

    def __post_init__(self) -> None:
        # Frames key the evaluator's memo: hash the values once, not on every look-up.
        object.__setattr__(self, "_hash", hash((id(self.scope), self.values, self.call)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]  # set in __post_init__, kept out of the fields

    def get(self, name: str) -> Value:
        for key, value in self.values:
            if key == name:
                return value
        return UNKNOWN


@dataclass(frozen=True)
class Env:
    """A calling context: the frames of the functions being evaluated, outermost first."""

    frames: Tuple[Frame, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash(self.frames))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]  # set in __post_init__, kept out of the fields

    def frame(self, scope: Scope) -> Optional[Frame]:
        for frame in reversed(self.frames):
            if frame.scope is scope:
                return frame
        return None

    def restrict(self, scope: Scope) -> Optional["Env"]:
        """The frames that code in ``scope`` can see: its own and its enclosing functions'."""
        kept = tuple(frame for frame in self.frames if scope.is_within(frame.scope))
        if kept == self.frames:
            return self
        return Env(kept) if kept else None


def in_env(ctx: Ctx, env: Optional[Env]) -> Ctx:
    """``ctx`` evaluated in the calling context ``env`` (as far as its scope sees it)."""
    if env is not None:
        env = env.restrict(ctx.scope)
    return ctx if ctx.env is env else Ctx(ctx.scope, ctx.order, ctx.path, env)
