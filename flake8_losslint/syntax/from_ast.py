"""A LibCST tree built from Python's own ``ast`` tree, for screening a file cheaply.

LibCST's parse is the dearest step of a cold run: on training scripts it costs
about half of what all of bare flake8 costs, ten times Python's ``ast.parse``,
and flake8 hands every plugin an ``ast`` tree for free.  Most files that mention
a loss are written correctly, so ``convert`` builds, from that ``ast`` tree, the
LibCST nodes the analysis reads (statements, expressions, arguments, operators)
with LibCST's default whitespace and no comments: about a third as many nodes as
a parse of the text, built without reading the text again.

The result is only good for deciding *whether* a file has findings
(``engine.screen``).  Its nodes have no positions, and their source text is
LibCST's default rendering, not the user's, so a file the screen finds anything
in is parsed by LibCST and analysed again, and every report comes from that
second pass.  The screen may therefore be wrong only in one direction (finding
something the full pass does not), and ``tests/test_from_ast.py`` checks on every
fixture that both passes find the same codes.

What ``ast`` does not keep, and why that does not change a finding:

- parentheses, comments and whitespace: the analysis reads none of them;
- adjacent string literals (``"a" "b"``): one ``SimpleString`` of the joined
  value, which is what LibCST's ``ConcatenatedString`` evaluates to;
- a literal's spelling (``1_000``, ``0x10``, ``'''x'''``): ``repr`` of its value;
- an identifier's spelling: Python reads identifiers NFKC-normalised, as ``ast`` keeps
  them, and LibCST keeps them as written (only non-ASCII names can differ);
- ``a[(i, j)]`` and ``a[i, j]``: both index by the same tuple, so both become
  two subscript elements;
- ``else:`` around a lone ``if`` and ``elif``: told apart by column, as LibCST does.

Anything else it does not know (``match``, type parameters, a newer Python's
nodes) raises ``Unsupported``, and the caller parses the file the ordinary way.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import libcst as cst

from .parse import unchecked_nodes

__all__ = ["Unsupported", "convert"]


class Unsupported(ValueError):
    """The ``ast`` tree holds something this conversion does not build."""


class _Constructors:
    """``N.Call(func=..., args=...)``: LibCST's constructor, with every layout field that LibCST
    fills from a factory (whitespace, brackets, colons: a fresh node per use) given one
    shared node instead.  The screen's tree is read, never edited or placed (only its
    nodes' text is rendered, which sharing does not change), and those factories had
    made most of the nodes it built."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        cls = getattr(cst, name)
        with unchecked_nodes():
            shared = {
                field.name: field.default_factory()
                for field in dataclasses.fields(cls)
                if field.default_factory is not dataclasses.MISSING
            }
        make = functools.partial(cls, **shared) if shared else cls
        setattr(self, name, make)  # found as a plain attribute from now on
        return make


N = _Constructors()


def _operators(pairs: Dict[type, Callable[[], cst.CSTNode]]) -> Dict[type, cst.CSTNode]:
    # Operators are leaves and never anyone's site: one node of each kind serves every use.
    with unchecked_nodes():
        return {kind: make() for kind, make in pairs.items()}


_BINARY = _operators({
    ast.Add: cst.Add, ast.Sub: cst.Subtract, ast.Mult: cst.Multiply, ast.MatMult: cst.MatrixMultiply,
    ast.Div: cst.Divide, ast.Mod: cst.Modulo, ast.Pow: cst.Power, ast.LShift: cst.LeftShift,
    ast.RShift: cst.RightShift, ast.BitOr: cst.BitOr, ast.BitXor: cst.BitXor, ast.BitAnd: cst.BitAnd,
    ast.FloorDiv: cst.FloorDivide,
})
_AUGMENTED = _operators({
    ast.Add: cst.AddAssign, ast.Sub: cst.SubtractAssign, ast.Mult: cst.MultiplyAssign,
    ast.MatMult: cst.MatrixMultiplyAssign, ast.Div: cst.DivideAssign, ast.Mod: cst.ModuloAssign,
    ast.Pow: cst.PowerAssign, ast.LShift: cst.LeftShiftAssign, ast.RShift: cst.RightShiftAssign,
    ast.BitOr: cst.BitOrAssign, ast.BitXor: cst.BitXorAssign, ast.BitAnd: cst.BitAndAssign,
    ast.FloorDiv: cst.FloorDivideAssign,
})
_UNARY = _operators({ast.UAdd: cst.Plus, ast.USub: cst.Minus, ast.Not: cst.Not, ast.Invert: cst.BitInvert})
_BOOLEAN = _operators({ast.And: cst.And, ast.Or: cst.Or})
_COMPARE = _operators({
    ast.Eq: cst.Equal, ast.NotEq: cst.NotEqual, ast.Lt: cst.LessThan, ast.LtE: cst.LessThanEqual,
    ast.Gt: cst.GreaterThan, ast.GtE: cst.GreaterThanEqual, ast.Is: cst.Is, ast.IsNot: cst.IsNot,
    ast.In: cst.In, ast.NotIn: cst.NotIn,
})
_CONSTANT_NAMES = {True: "True", False: "False", None: "None"}


def convert(tree: ast.Module) -> cst.Module:
    """The LibCST module the analysis would read, built from ``tree``.

    Raises ``Unsupported`` for what it does not build, and ``RecursionError``
    for trees nested deeper than Python's stack (the full parse says the same)."""
    if type(tree) is not ast.Module:
        raise Unsupported(type(tree).__name__)
    with unchecked_nodes():
        return N.Module(body=_Builder().block(tree.body))


class _Builder:
    def __init__(self) -> None:
        self.expressions: Dict[type, Callable[[Any], cst.BaseExpression]] = {
            ast.Name: self.name_expression,
            ast.Attribute: self.attribute,
            ast.Call: self.call,
            ast.Constant: self.constant,
            ast.Subscript: self.subscript,
            ast.Tuple: self.tuple_,
            ast.List: self.list_,
            ast.Set: self.set_,
            ast.Dict: self.dict_,
            ast.BinOp: self.binary,
            ast.UnaryOp: self.unary,
            ast.BoolOp: self.boolean,
            ast.Compare: self.compare,
            ast.Lambda: self.lambda_,
            ast.IfExp: self.if_expression,
            ast.ListComp: self.list_comp,
            ast.SetComp: self.set_comp,
            ast.GeneratorExp: self.generator,
            ast.DictComp: self.dict_comp,
            ast.Await: self.await_,
            ast.Yield: self.yield_,
            ast.YieldFrom: self.yield_from,
            ast.NamedExpr: self.named,
            ast.JoinedStr: self.joined,
            ast.Starred: self.starred_alone,
        }
        self.statements: Dict[type, Callable[[Any], Union[cst.BaseStatement, cst.BaseSmallStatement]]] = {
            ast.Expr: self.expr_statement,
            ast.Assign: self.assign,
            ast.AugAssign: self.aug_assign,
            ast.AnnAssign: self.ann_assign,
            ast.Return: self.return_,
            ast.Import: self.import_,
            ast.ImportFrom: self.import_from,
            ast.Pass: lambda node: N.Pass(),
            ast.Break: lambda node: N.Break(),
            ast.Continue: lambda node: N.Continue(),
            ast.Delete: self.delete,
            ast.Raise: self.raise_,
            ast.Assert: self.assert_,
            ast.Global: lambda node: N.Global(names=[N.NameItem(name=N.Name(n)) for n in node.names]),
            ast.Nonlocal: lambda node: N.Nonlocal(names=[N.NameItem(name=N.Name(n)) for n in node.names]),
            ast.FunctionDef: self.function,
            ast.AsyncFunctionDef: self.function,
            ast.ClassDef: self.class_,
            ast.If: self.if_,
            ast.For: self.for_,
            ast.AsyncFor: self.for_,
            ast.While: self.while_,
            ast.With: self.with_,
            ast.AsyncWith: self.with_,
            ast.Try: self.try_,
        }

    # -- statements ---------------------------------------------------------

    def block(self, body: Sequence[ast.stmt]) -> List[cst.BaseStatement]:
        statements = self.statements
        built: List[cst.BaseStatement] = []
        for node in body:
            make = statements.get(type(node))
            if make is None:
                raise Unsupported(type(node).__name__)
            made = make(node)
            if isinstance(made, cst.BaseSmallStatement):
                made = N.SimpleStatementLine(body=[made])
            built.append(made)
        return built

    def suite(self, body: Sequence[ast.stmt]) -> cst.IndentedBlock:
        return N.IndentedBlock(body=self.block(body))

    def orelse(self, body: Sequence[ast.stmt]) -> Optional[cst.Else]:
        return N.Else(body=self.suite(body)) if body else None

    def expr_statement(self, node: ast.Expr) -> cst.Expr:
        return N.Expr(value=self.expression(node.value))

    def assign(self, node: ast.Assign) -> cst.Assign:
        return N.Assign(
            targets=[N.AssignTarget(target=self.expression(target)) for target in node.targets],
            value=self.expression(node.value),
        )

    def aug_assign(self, node: ast.AugAssign) -> cst.AugAssign:
        return N.AugAssign(
            target=self.expression(node.target), operator=_AUGMENTED[type(node.op)], value=self.expression(node.value)
        )

    def ann_assign(self, node: ast.AnnAssign) -> cst.AnnAssign:
        return N.AnnAssign(
            target=self.expression(node.target),
            annotation=N.Annotation(annotation=self.expression(node.annotation)),
            value=self.optional(node.value),
        )

    def return_(self, node: ast.Return) -> cst.Return:
        return N.Return(value=self.optional(node.value))

    def import_(self, node: ast.Import) -> cst.Import:
        return N.Import(names=[self.alias(alias) for alias in node.names])

    def import_from(self, node: ast.ImportFrom) -> cst.ImportFrom:
        names: Union[cst.ImportStar, List[cst.ImportAlias]]
        if len(node.names) == 1 and node.names[0].name == "*":
            names = N.ImportStar()
        else:
            names = [self.alias(alias) for alias in node.names]
        return N.ImportFrom(
            module=_dotted(node.module) if node.module else None,
            names=names,
            relative=[N.Dot() for _ in range(node.level or 0)],
        )

    def alias(self, alias: ast.alias) -> cst.ImportAlias:
        asname = N.AsName(name=N.Name(alias.asname)) if alias.asname else None
        return N.ImportAlias(name=_dotted(alias.name), asname=asname)

    def delete(self, node: ast.Delete) -> cst.Del:
        if len(node.targets) == 1:
            return N.Del(target=self.expression(node.targets[0]))
        return N.Del(target=N.Tuple(elements=[N.Element(value=self.expression(t)) for t in node.targets]))

    def raise_(self, node: ast.Raise) -> cst.Raise:
        cause = N.From(item=self.expression(node.cause)) if node.cause is not None else None
        return N.Raise(exc=self.optional(node.exc), cause=cause)

    def assert_(self, node: ast.Assert) -> cst.Assert:
        return N.Assert(test=self.expression(node.test), msg=self.optional(node.msg))

    def function(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> cst.FunctionDef:
        if getattr(node, "type_params", None):
            raise Unsupported("type parameters")
        returns = N.Annotation(annotation=self.expression(node.returns)) if node.returns is not None else None
        return N.FunctionDef(
            name=N.Name(node.name),
            params=self.parameters(node.args, annotated=True),
            body=self.suite(node.body),
            decorators=[N.Decorator(decorator=self.expression(d)) for d in node.decorator_list],
            returns=returns,
            asynchronous=N.Asynchronous() if type(node) is ast.AsyncFunctionDef else None,
        )

    def class_(self, node: ast.ClassDef) -> cst.ClassDef:
        if getattr(node, "type_params", None):
            raise Unsupported("type parameters")
        return N.ClassDef(
            name=N.Name(node.name),
            body=self.suite(node.body),
            bases=[self.argument(base) for base in node.bases],
            keywords=[self.keyword(keyword) for keyword in node.keywords],  # `**kw` too, as LibCST has it
            decorators=[N.Decorator(decorator=self.expression(d)) for d in node.decorator_list],
        )

    def if_(self, node: ast.If) -> cst.If:
        orelse: Union[cst.If, cst.Else, None]
        tail = node.orelse
        if len(tail) == 1 and type(tail[0]) is ast.If and tail[0].col_offset == node.col_offset:
            orelse = self.if_(tail[0])  # `elif` starts in the column of its `if`; `else: if` deeper
        else:
            orelse = self.orelse(tail)
        return N.If(test=self.expression(node.test), body=self.suite(node.body), orelse=orelse)

    def for_(self, node: Union[ast.For, ast.AsyncFor]) -> cst.For:
        return N.For(
            target=self.expression(node.target),
            iter=self.expression(node.iter),
            body=self.suite(node.body),
            orelse=self.orelse(node.orelse),
            asynchronous=N.Asynchronous() if type(node) is ast.AsyncFor else None,
        )

    def while_(self, node: ast.While) -> cst.While:
        return N.While(test=self.expression(node.test), body=self.suite(node.body), orelse=self.orelse(node.orelse))

    def with_(self, node: Union[ast.With, ast.AsyncWith]) -> cst.With:
        items = []
        for item in node.items:
            asname = N.AsName(name=self.expression(item.optional_vars)) if item.optional_vars is not None else None
            items.append(N.WithItem(item=self.expression(item.context_expr), asname=asname))
        return N.With(
            items=items,
            body=self.suite(node.body),
            asynchronous=N.Asynchronous() if type(node) is ast.AsyncWith else None,
        )

    def try_(self, node: ast.Try) -> cst.Try:
        handlers = []
        for handler in node.handlers:
            name = N.AsName(name=N.Name(handler.name)) if handler.name else None
            handlers.append(
                N.ExceptHandler(body=self.suite(handler.body), type=self.optional(handler.type), name=name)
            )
        return N.Try(
            body=self.suite(node.body),
            handlers=handlers,
            orelse=self.orelse(node.orelse),
            finalbody=N.Finally(body=self.suite(node.finalbody)) if node.finalbody else None,
        )

    def parameters(self, args: ast.arguments, annotated: bool) -> cst.Parameters:
        def param(arg: ast.arg, default: Optional[ast.expr], star: str = "") -> cst.Param:
            annotation = None
            if annotated and arg.annotation is not None:
                annotation = N.Annotation(annotation=self.expression(arg.annotation))
            return N.Param(
                name=N.Name(arg.arg), annotation=annotation, default=self.optional(default), star=star
            )

        positional = list(args.posonlyargs) + list(args.args)
        defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        made = [param(arg, default) for arg, default in zip(positional, defaults)]
        posonly = len(args.posonlyargs)
        star_arg: Union[cst.Param, cst.ParamStar, cst.MaybeSentinel] = cst.MaybeSentinel.DEFAULT
        if args.vararg is not None:
            star_arg = param(args.vararg, None, "*")
        elif args.kwonlyargs:
            star_arg = N.ParamStar()
        return N.Parameters(
            params=made[posonly:],
            posonly_params=made[:posonly],
            posonly_ind=N.ParamSlash() if posonly else cst.MaybeSentinel.DEFAULT,
            star_arg=star_arg,
            kwonly_params=[param(arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults)],
            star_kwarg=param(args.kwarg, None, "**") if args.kwarg is not None else None,
        )

    # -- expressions --------------------------------------------------------

    def expression(self, node: ast.expr) -> cst.BaseExpression:
        make = self.expressions.get(type(node))
        if make is None:
            raise Unsupported(type(node).__name__)
        return make(node)

    def optional(self, node: Optional[ast.expr]) -> Optional[cst.BaseExpression]:
        return None if node is None else self.expression(node)

    def name_expression(self, node: ast.Name) -> cst.Name:
        return N.Name(node.id)

    def attribute(self, node: ast.Attribute) -> cst.Attribute:
        return N.Attribute(value=self.expression(node.value), attr=N.Name(node.attr))

    def call(self, node: ast.Call) -> cst.Call:
        args = [self.argument(arg) for arg in node.args]
        keywords = [self.keyword(keyword) for keyword in node.keywords]
        if keywords and any(type(arg) is ast.Starred for arg in node.args):
            # f(a, k=1, *rest) is legal: put the arguments back in the order they are written
            pairs = sorted(
                zip([(a.lineno, a.col_offset) for a in node.args] + [(k.lineno, k.col_offset) for k in node.keywords],
                    args + keywords),
                key=lambda pair: pair[0],
            )
            return N.Call(func=self.expression(node.func), args=[arg for _, arg in pairs])
        return N.Call(func=self.expression(node.func), args=args + keywords)

    def argument(self, node: ast.expr) -> cst.Arg:
        if type(node) is ast.Starred:
            return N.Arg(value=self.expression(node.value), star="*")
        return N.Arg(value=self.expression(node))

    def keyword(self, node: ast.keyword) -> cst.Arg:
        if node.arg is None:
            return N.Arg(value=self.expression(node.value), star="**")
        return N.Arg(value=self.expression(node.value), keyword=N.Name(node.arg))

    def constant(self, node: ast.Constant) -> cst.BaseExpression:
        value: Any = node.value
        kind = type(value)
        if kind is str or kind is bytes:
            return N.SimpleString(repr(value))
        if kind is bool or value is None:
            return N.Name(_CONSTANT_NAMES[value])
        if kind is int:
            return N.Integer(repr(value))  # ValueError past Python's digit limit
        if kind is float and math.isfinite(value):
            return N.Float(repr(value))
        if kind is complex and value.real == 0 and math.isfinite(value.imag):
            return N.Imaginary(repr(value.imag) + "j")
        if value is Ellipsis:
            return N.Ellipsis()
        raise Unsupported(f"constant {value!r}")

    def subscript(self, node: ast.Subscript) -> cst.Subscript:
        index = node.slice
        if type(index) is ast.Tuple and index.elts:
            elements = [N.SubscriptElement(slice=self.slice_part(part)) for part in index.elts]
        else:
            elements = [N.SubscriptElement(slice=self.slice_part(index))]
        return N.Subscript(value=self.expression(node.value), slice=elements)

    def slice_part(self, node: ast.expr) -> Union[cst.Index, cst.Slice]:
        if type(node) is ast.Slice:
            return N.Slice(lower=self.optional(node.lower), upper=self.optional(node.upper), step=self.optional(node.step))
        if type(node) is ast.Starred:
            raise Unsupported("starred subscript")
        return N.Index(value=self.expression(node))

    def elements(self, nodes: Sequence[ast.expr]) -> List[cst.BaseElement]:
        made: List[cst.BaseElement] = []
        for node in nodes:
            if type(node) is ast.Starred:
                made.append(N.StarredElement(value=self.expression(node.value)))
            else:
                made.append(N.Element(value=self.expression(node)))
        return made

    def starred_alone(self, node: ast.Starred) -> cst.BaseExpression:
        raise Unsupported("starred expression outside a display")

    def tuple_(self, node: ast.Tuple) -> cst.Tuple:
        return N.Tuple(elements=self.elements(node.elts))

    def list_(self, node: ast.List) -> cst.List:
        return N.List(elements=self.elements(node.elts))

    def set_(self, node: ast.Set) -> cst.Set:
        return N.Set(elements=self.elements(node.elts))

    def dict_(self, node: ast.Dict) -> cst.Dict:
        elements: List[cst.BaseDictElement] = []
        for key, value in zip(node.keys, node.values):
            if key is None:
                elements.append(N.StarredDictElement(value=self.expression(value)))
            else:
                elements.append(N.DictElement(key=self.expression(key), value=self.expression(value)))
        return N.Dict(elements=elements)

    def binary(self, node: ast.BinOp) -> cst.BinaryOperation:
        return N.BinaryOperation(
            left=self.expression(node.left), operator=_BINARY[type(node.op)], right=self.expression(node.right)
        )

    def unary(self, node: ast.UnaryOp) -> cst.UnaryOperation:
        return N.UnaryOperation(operator=_UNARY[type(node.op)], expression=self.expression(node.operand))

    def boolean(self, node: ast.BoolOp) -> cst.BaseExpression:
        # LibCST nests `a and b and c` to the left, as ((a and b) and c)
        operator = _BOOLEAN[type(node.op)]
        values = [self.expression(value) for value in node.values]
        result = values[0]
        for value in values[1:]:
            result = N.BooleanOperation(left=result, operator=operator, right=value)
        return result

    def compare(self, node: ast.Compare) -> cst.Comparison:
        return N.Comparison(
            left=self.expression(node.left),
            comparisons=[
                N.ComparisonTarget(operator=_COMPARE[type(op)], comparator=self.expression(right))
                for op, right in zip(node.ops, node.comparators)
            ],
        )

    def lambda_(self, node: ast.Lambda) -> cst.Lambda:
        return N.Lambda(params=self.parameters(node.args, annotated=False), body=self.expression(node.body))

    def if_expression(self, node: ast.IfExp) -> cst.IfExp:
        return N.IfExp(test=self.expression(node.test), body=self.expression(node.body), orelse=self.expression(node.orelse))

    def comprehension(self, generators: Sequence[ast.comprehension]) -> cst.CompFor:
        inner: Optional[cst.CompFor] = None
        for generator in reversed(generators):
            inner = N.CompFor(
                target=self.expression(generator.target),
                iter=self.expression(generator.iter),
                ifs=[N.CompIf(test=self.expression(test)) for test in generator.ifs],
                inner_for_in=inner,
                asynchronous=N.Asynchronous() if generator.is_async else None,
            )
        if inner is None:
            raise Unsupported("comprehension without a for")
        return inner

    def list_comp(self, node: ast.ListComp) -> cst.ListComp:
        return N.ListComp(elt=self.expression(node.elt), for_in=self.comprehension(node.generators))

    def set_comp(self, node: ast.SetComp) -> cst.SetComp:
        return N.SetComp(elt=self.expression(node.elt), for_in=self.comprehension(node.generators))

    def generator(self, node: ast.GeneratorExp) -> cst.GeneratorExp:
        return N.GeneratorExp(elt=self.expression(node.elt), for_in=self.comprehension(node.generators))

    def dict_comp(self, node: ast.DictComp) -> cst.DictComp:
        return N.DictComp(
            key=self.expression(node.key), value=self.expression(node.value), for_in=self.comprehension(node.generators)
        )

    def await_(self, node: ast.Await) -> cst.Await:
        return N.Await(expression=self.expression(node.value))

    def yield_(self, node: ast.Yield) -> cst.Yield:
        return N.Yield(value=self.optional(node.value))

    def yield_from(self, node: ast.YieldFrom) -> cst.Yield:
        return N.Yield(value=N.From(item=self.expression(node.value)))

    def named(self, node: ast.NamedExpr) -> cst.NamedExpr:
        return N.NamedExpr(target=self.expression(node.target), value=self.expression(node.value))

    def joined(self, node: ast.JoinedStr) -> cst.FormattedString:
        return N.FormattedString(parts=self.formatted_parts(node.values))

    def formatted_parts(self, values: Sequence[ast.expr]) -> List[cst.BaseFormattedStringContent]:
        parts: List[cst.BaseFormattedStringContent] = []
        for value in values:
            if type(value) is ast.Constant and type(value.value) is str:
                # The text as it would be written between double quotes of an f-string
                text = repr(value.value)[1:-1].replace('"', '\\"').replace("{", "{{").replace("}", "}}")
                parts.append(N.FormattedStringText(value=text))
            elif type(value) is ast.FormattedValue:
                spec = None
                if isinstance(value.format_spec, ast.JoinedStr):
                    spec = self.formatted_parts(value.format_spec.values)
                elif value.format_spec is not None:
                    raise Unsupported(type(value.format_spec).__name__)
                conversion = chr(value.conversion) if value.conversion > 0 else None
                parts.append(
                    N.FormattedStringExpression(
                        expression=self.expression(value.value), conversion=conversion, format_spec=spec
                    )
                )
            else:
                raise Unsupported(type(value).__name__)
        return parts


def _dotted(name: str) -> Union[cst.Name, cst.Attribute]:
    first, *rest = name.split(".")
    node: Union[cst.Name, cst.Attribute] = N.Name(first)
    for part in rest:
        node = N.Attribute(value=node, attr=N.Name(part))
    return node
