#!/usr/bin/env python3
"""Parse every stylesheet of the site with tinycss2 and fail on the first sign of a broken one.

A browser forgives a stylesheet silently: an `@media` block left open swallows every rule after it,
and the page just looks wrong. This check names the file, line and column of each error instead:
parse errors (a stray `}` or `)`, a bad URL or string, a declaration that is not one), and blocks
still open at the end of the file, where the browser closes them for you.

    python scripts/check_css.py            # every .css under static/, static/vendor left out
    python scripts/check_css.py FILE...    # just these
"""

from __future__ import annotations

import sys
from pathlib import Path

import tinycss2
from tinycss2.ast import ParseError

ROOT = Path(__file__).resolve().parent.parent
SKIP = ROOT / "static" / "vendor"  # third-party sheets, checked by their authors

# At-rules whose block holds rules; every other at-rule's block holds declarations (@font-face, @page).
RULE_LIST_AT_RULES = {"media", "supports", "layer", "container", "document", "scope", "starting-style", "keyframes"}
# Appended after the last byte: the parser leaves it inside every block the file forgot to close.
SENTINEL = "css-check-end-of-file"
CLOSERS = {"{} block": "}", "[] block": "]", "() block": ")", "function": ")"}


def stylesheets() -> list[Path]:
    return sorted(p for p in (ROOT / "static").rglob("*.css") if SKIP not in p.parents)


def _errors_in_values(values) -> list[ParseError]:
    """Parse errors anywhere in a component value list, blocks and functions included."""
    found = []
    for value in values or ():
        if isinstance(value, ParseError):
            found.append(value)
        found.extend(_errors_in_values(getattr(value, "content", None) or getattr(value, "arguments", None)))
    return found


def _errors_in_rules(rules) -> list[ParseError]:
    found = []
    for node in rules:
        if node.type == "error":
            found.append(node)
        elif node.type == "declaration":
            found.extend(_errors_in_values(node.value))
        elif node.type == "qualified-rule":
            found.extend(_errors_in_values(node.prelude))
            found.extend(_errors_in_rules(tinycss2.parse_blocks_contents(node.content)))
        elif node.type == "at-rule":
            found.extend(_errors_in_values(node.prelude))
            if node.content is None:
                continue
            if node.lower_at_keyword in RULE_LIST_AT_RULES:
                found.extend(_errors_in_rules(tinycss2.parse_rule_list(node.content)))
            else:
                found.extend(_errors_in_rules(tinycss2.parse_blocks_contents(node.content)))
    return found


def _sentinel_path(values, trail=()):
    """The blocks around the sentinel, outermost first; None when the sentinel was swallowed whole."""
    for value in values or ():
        if value.type == "ident" and value.value == SENTINEL:
            return list(trail)
        inner = getattr(value, "content", None) or getattr(value, "arguments", None)
        if inner:
            found = _sentinel_path(inner, (*trail, value))
            if found is not None:
                return found
    return None


def _block_name(block) -> str:
    return f"{block.name}(" if block.type == "function" else block.type[0]


def check(text: str) -> list[tuple[int, int, str]]:
    """(line, column, message) for each error in a stylesheet's text, in order."""
    problems = [
        (error.source_line, error.source_column, error.message)
        for error in _errors_in_rules(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True))
    ]
    opened = _sentinel_path(tinycss2.parse_component_value_list(f"{text}\n{SENTINEL}", skip_comments=True))
    if opened is None:
        lines = text.count("\n") + 1
        problems.append((lines, 1, "the file ends inside a comment or a string"))
    for block in opened or ():
        problems.append(
            (
                block.source_line,
                block.source_column,
                f"“{_block_name(block)}” opened here is never closed: add “{CLOSERS[block.type]}”",
            )
        )
    return sorted(problems)


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or stylesheets()
    failed = 0
    for path in paths:
        for line, column, message in check(path.read_text(encoding="utf-8")):
            shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
            print(f"{shown}:{line}:{column}: {message}", file=sys.stderr)
            failed += 1
    if failed:
        print(f"{failed} stylesheet error(s): a browser would silently drop or misplace those rules.", file=sys.stderr)
        return 1
    print(f"{len(paths)} stylesheet(s) parse cleanly.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
