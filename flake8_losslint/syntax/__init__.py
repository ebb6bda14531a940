"""Syntax: the only stage that walks LibCST trees.

``collect`` makes the one pass over a module and records what the interpreter
needs (scopes, bindings, calls, returns, classes, imports); ``names`` turns
imports into qualified library names; ``nodes`` reads arguments and source text.
"""
