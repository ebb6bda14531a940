"""Source: text (or a notebook) to a program worth analysing.

``prefilter`` decides cheaply whether a file can hold a finding at all,
``guard`` refuses what LibCST's parser cannot take safely, ``notebooks`` turns
a notebook's code cells into one program with a map back to cells and lines.
"""
