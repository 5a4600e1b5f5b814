"""scripts/check_css.py, which `make lint` runs: a stylesheet that a browser would silently misread fails CI,
naming the file, the line and what is wrong."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_css.py"


def check(*paths):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, paths)], capture_output=True, text=True, check=False)


def test_the_sites_stylesheets_parse_cleanly():
    result = check()
    assert result.returncode == 0, result.stderr
    assert "parse cleanly" in result.stdout


def test_unclosed_media_blocks_fail_naming_file_and_line(tmp_path):
    # the shape of the bug that hid every map: two @media blocks never closed
    sheet = tmp_path / "site.css"
    sheet.write_text(
        "main { padding: 16px; }\n"
        "@media print {\n"
        "  .no-print { display: none; }\n"
        ".picker-map { height: 70vh; }\n"
        "@media (max-width: 700px) {\n"
        "  .picker-map { height: 300px; }\n"
    )
    result = check(sheet)
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert errors[0] == f"{sheet}:2:14: “{{” opened here is never closed: add “}}”"
    assert errors[1] == f"{sheet}:5:27: “{{” opened here is never closed: add “}}”"
    assert "2 stylesheet error(s)" in errors[2]


def test_stray_closers_and_broken_rules_fail(tmp_path):
    sheet = tmp_path / "stray.css"
    sheet.write_text("a { color: red; }}\nb { width: calc(1px + 2px)); }\n")
    result = check(sheet)
    assert result.returncode == 1
    assert f"{sheet}:1:18: Unmatched }}" in result.stderr
    assert f"{sheet}:2:27: Unmatched )" in result.stderr


def test_a_comment_left_open_swallows_the_rest_and_fails(tmp_path):
    sheet = tmp_path / "comment.css"
    sheet.write_text("a { color: red; }\n/* the rest is a comment\nb { color: blue; }\n")
    result = check(sheet)
    assert result.returncode == 1
    assert "ends inside a comment or a string" in result.stderr


def test_a_well_formed_sheet_with_nesting_and_font_face_passes(tmp_path):
    sheet = tmp_path / "good.css"
    sheet.write_text(
        "@font-face { font-family: X; src: url(x.woff2); }\n"
        "@media (max-width: 600px) { @supports (display: grid) { .a { display: grid; } } }\n"
        ".card { color: red; & h2 { margin: 0; } }\n"
        "@keyframes spin { from { rotate: 0deg; } to { rotate: 360deg; } }\n"
    )
    result = check(sheet)
    assert result.returncode == 0, result.stderr
