"""The abstract values of the interpreter that no single library owns.

Values are small immutable objects compared by value: two branches that build
the same thing agree.  ``UNKNOWN`` is whatever the interpreter cannot tell;
every rule stays silent on it.  Each library domain adds values of its own
(``domains/keras.py``: ``Loss``; ``domains/labels.py``: ``Array``,
``Dataset``; ``domains/torch.py``: ``TorchModel``, ``TorchLoss``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from ..syntax.collect import ClassInfo, Scope
from ..terms import Head, Site


class Value:
    """Base of the abstract values."""


@dataclass(frozen=True)
class Unknown(Value):
    pass


UNKNOWN = Unknown()


@dataclass(frozen=True)
class LibRef(Value):
    """A library object reached through imports, by canonical name."""

    qualname: str


@dataclass(frozen=True)
class Const(Value):
    value: object


@dataclass(frozen=True)
class Seq(Value):
    """A list or tuple literal, element by element."""

    items: Tuple[Value, ...]

    def __post_init__(self) -> None:
        # Sequences nest and share items (``x = [x, x]`` in a loop or a recursive
        # call): hashing the items once, as the value is built, keeps hashing it
        # linear in what was built instead of exponential in its nesting.
        object.__setattr__(self, "_hash", hash(self.items))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]


@dataclass(frozen=True)
class UserClass(Value):
    info: ClassInfo


@dataclass(frozen=True)
class UserFunction(Value):
    scope: Scope


@dataclass(frozen=True)
class Instance(Value):
    """An object of a class of the program that no library domain claims."""

    info: ClassInfo


@dataclass(frozen=True)
class BoundMethod(Value):
    """``obj.method``: a method of the program's class, with the object it is called on."""

    scope: Scope
    receiver: Value


# -- neural-network values shared by the Keras and PyTorch domains ------------------
@dataclass(frozen=True)
class Layer(Value):
    """A layer (Keras) or module (PyTorch) object, not yet applied."""

    qualname: str
    units: Optional[int]
    activation: Optional[str]
    activation_site: Optional[Site]
    via: Optional[str]
    site: Site
    axis: Optional[int] = None  # the axis a softmax layer normalises over, when written as a literal


@dataclass(frozen=True)
class Tensor(Value):
    head: Head


@dataclass(frozen=True)
class Model(Value):
    head: Head
    sequential: bool = False  # built by Sequential(...): later .add() calls extend it
    compiled: Optional[Any] = None  # Keras: what the last compile gave it (domains/keras.py ``Compiled``)


def int_of(value: Value) -> Optional[int]:
    """The value as a plain int (not a bool), if it is one."""
    if isinstance(value, Const) and type(value.value) is int:
        return value.value
    return None


# -- values of the project's other modules (interp/project.py) ----------------------
@dataclass(frozen=True)
class ForeignClass(Value):
    """A class of a sibling module: what calling it gives."""

    instance: Value


@dataclass(frozen=True)
class ForeignFunction(Value):
    """A function of a sibling module: what it returns (whatever it is called with)."""

    returns: Value


@dataclass(frozen=True)
class ForeignModule(Value):
    """A sibling module itself (``import nets as N``), by file."""

    path: str
