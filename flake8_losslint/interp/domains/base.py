"""The base of every library domain: the evaluator's hooks, each answering None by default."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Tuple

import libcst as cst

from ...syntax.collect import Binding, ClassInfo, Ctx
from ..values import Value

if TYPE_CHECKING:
    from ..evaluator import Evaluator


class Domain:
    name = ""
    # The library versions this domain's tables were read from, for the record.
    checked_against: Tuple[Tuple[str, str], ...] = ()

    def __init__(self, evaluator: "Evaluator") -> None:
        self.ev = evaluator

    def exports(self, module: str, name: str, qualname: str) -> bool:
        """Whether ``from module import *`` binds ``name`` (canonically ``qualname``) to an
        object this domain knows."""
        return False

    def instance(self, info: ClassInfo) -> Optional[Value]:
        """What an object of the program's class ``info`` is, when this domain models the class."""
        return None

    def call(self, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        """Any call, before its callee is evaluated (e.g. ``self(x)`` in a module)."""
        return None

    def library_call(self, qualname: str, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        """A call of the library object ``qualname``."""
        return None

    def call_value(self, callee: Value, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        """A call of a value this domain made (a layer, a model, a class of the program)."""
        return None

    def method(self, receiver: Value, name: str, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        """``receiver.name(...)``, where the evaluator has no answer of its own."""
        return None

    def builtin(self, name: str, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        """A call of a builtin function (a name the program neither imports nor assigns)."""
        return None

    def expression(self, node: cst.CSTNode, ctx: Ctx) -> Optional[Value]:
        """A subscript or a binary operation."""
        return None

    def loop_element(self, iterable: cst.CSTNode, unpack: Tuple[int, ...], ctx: Ctx) -> Optional[Value]:
        """What ``for target in iterable`` binds at index path ``unpack`` of the target."""
        return None

    def rebound(self, name: str, value: Value, binding: Binding, use: Ctx) -> Value:
        """The value of ``name`` (bound by ``binding``) as seen at ``use``: a domain whose
        objects change in place (``model.add(...)``) updates it.  Default: unchanged."""
        return value
