"""Edit helpers shared by the fixers: replace a node, remove an argument or element,
add a keyword argument following the call's layout, write a string literal."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import libcst as cst

from .driver import Edit


def replace(node: cst.CSTNode, new: cst.CSTNode) -> Edit:
    return Edit(node, lambda _old: new)


def _no_space() -> cst.AssignEqual:
    return cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )


def _drop_item(items: Sequence, index: int) -> list:
    """``items`` without ``items[index]``; a removed last item leaves its comma to the new last."""
    kept = list(items)
    removed = kept.pop(index)
    if kept and index == len(kept):
        kept[-1] = kept[-1].with_changes(comma=removed.comma)
    return kept


def remove_argument(call: cst.Call, arg: cst.Arg) -> Optional[Edit]:
    """Remove ``arg`` from ``call``; None when later positional arguments would shift."""
    index = next((i for i, each in enumerate(call.args) if each is arg), None)
    if index is None:
        return None
    if arg.keyword is None:
        if arg.star or any(a.keyword is None for a in call.args[index + 1:]):
            return None

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        args = _drop_item(node.args, index)
        if not args:
            return node.with_changes(args=args, whitespace_before_args=cst.SimpleWhitespace(""))
        return node.with_changes(args=args)

    return Edit(call, change)


def remove_element(sequence: Union[cst.List, cst.Tuple], element: cst.BaseElement) -> Optional[Edit]:
    index = next((i for i, each in enumerate(sequence.elements) if each is element), None)
    if index is None or len(sequence.elements) < 2:
        return None

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, (cst.List, cst.Tuple))
        return node.with_changes(elements=_drop_item(node.elements, index))

    return Edit(sequence, change)


def add_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> Optional[Edit]:
    """Append ``keyword=value`` to ``call``, following its layout (one line, or one argument a line)."""
    if any(a.keyword is not None and a.keyword.value == keyword for a in call.args):
        return None
    if any(a.star for a in call.args):
        return None  # *args/**kwargs may already carry it

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        new = cst.Arg(value=value, keyword=cst.Name(keyword), equal=_no_space())
        args = list(node.args)
        if not args:
            return node.with_changes(args=[new])
        last = args[-1]
        comma = last.comma if isinstance(last.comma, cst.Comma) else None
        tail = comma.whitespace_after if comma is not None else None
        if comma is not None and isinstance(tail, cst.ParenthesizedWhitespace):  # one argument a line, trailing comma
            # The last argument keeps its comment; the new one goes on the next line,
            # indented like the others, and takes over the line break before ")".
            before = args[-2].comma.whitespace_after if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma) else node.whitespace_before_args
            indent = before.last_line if isinstance(before, cst.ParenthesizedWhitespace) else tail.last_line
            args[-1] = last.with_changes(comma=comma.with_changes(whitespace_after=tail.with_changes(last_line=indent)))
            new = new.with_changes(
                comma=cst.Comma(
                    whitespace_after=cst.ParenthesizedWhitespace(indent=tail.indent, last_line=tail.last_line)
                )
            )
        elif isinstance(last.comma, cst.Comma):  # f(a,) -> f(a, from_logits=True,)
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            new = new.with_changes(comma=last.comma)
        elif len(args) >= 2 and isinstance(args[-2].comma, cst.Comma) and isinstance(
            args[-2].comma.whitespace_after, cst.ParenthesizedWhitespace
        ):  # one argument a line, no trailing comma
            between = args[-2].comma.whitespace_after
            args[-1] = last.with_changes(
                comma=cst.Comma(
                    whitespace_after=cst.ParenthesizedWhitespace(indent=between.indent, last_line=between.last_line)
                ),
                whitespace_after_arg=cst.SimpleWhitespace(""),
            )
            new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        else:
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return node.with_changes(args=args + [new])

    return Edit(call, change)


def string_literal(text: str, like: Optional[cst.CSTNode] = None) -> cst.SimpleString:
    quote = like.quote if isinstance(like, cst.SimpleString) and like.quote in ('"', "'") else '"'
    return cst.SimpleString(f"{quote}{text}{quote}")


def _binds_import(statement: cst.CSTNode, module_name: str, name: str) -> bool:
    """``statement`` is ``from module_name import name`` (no ``as``)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    found = statement.body[0]
    if not isinstance(found, cst.ImportFrom) or isinstance(found.names, cst.ImportStar) or found.relative:
        return False
    module = found.module
    spelled = cst.Module(body=[]).code_for_node(module) if module is not None else ""
    return spelled == module_name and any(
        alias.asname is None and isinstance(alias.name, cst.Name) and alias.name.value == name for alias in found.names
    )


def import_after(statement: cst.SimpleStatementLine, module_name: str, name: str) -> Edit:
    """Add ``from module_name import name`` on the line after ``statement`` (a top-level
    import), as ruff's fixes add what they need; once, however many fixes ask for it."""
    new = cst.parse_statement(f"from {module_name} import {name}\n")

    def change(node: cst.CSTNode) -> Union[cst.CSTNode, cst.FlattenSentinel[cst.CSTNode]]:
        # Another fix sharing the target may have flattened it already.
        nodes = list(node.nodes) if isinstance(node, cst.FlattenSentinel) else [node]
        if any(_binds_import(each, module_name, name) for each in nodes):
            return node
        return cst.FlattenSentinel(nodes + [new])

    return Edit(statement, change, shared=True)


def extend_import(statement: cst.ImportFrom, new: str) -> Optional[Edit]:
    """``from M import a`` -> ``from M import a, new`` on one line; None for a multi-line
    import.  Several fixes may ask for the same name: it is added once."""
    if isinstance(statement.names, cst.ImportStar):
        return None
    for alias in statement.names:
        if isinstance(alias.comma, cst.Comma) and not isinstance(alias.comma.whitespace_after, cst.SimpleWhitespace):
            return None

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
        names = list(node.names)
        if any(alias.asname is None and isinstance(alias.name, cst.Name) and alias.name.value == new for alias in names):
            return node
        last = names[-1]
        added = cst.ImportAlias(name=cst.Name(new), comma=last.comma)
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return node.with_changes(names=names + [added])

    return Edit(statement, change, shared=True)
