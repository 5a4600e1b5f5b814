"""The compiled zh-Hant catalogue says what its source says: a .po entry added without compiling (or
a merge that kept an old .mo) would show English to a reader who chose Chinese."""

import ast
import gettext
import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hant" / "LC_MESSAGES"


def po_entries(text: str):
    """(msgctxt, msgid, msgid_plural, [msgstr...], fuzzy) for each entry of a .po file."""
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        current = None
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                fields[current] += ast.literal_eval(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = ast.literal_eval(value)
        if "msgid" in fields and fields["msgid"]:
            strs = [fields[k] for k in sorted(fields) if k.startswith("msgstr")]
            yield fields.get("msgctxt"), fields["msgid"], fields.get("msgid_plural"), strs, fuzzy


def test_every_translated_entry_of_the_source_is_in_the_compiled_catalogue():
    source = list(po_entries((CATALOGUE / "django.po").read_text(encoding="utf-8")))
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    stale = []
    for context, msgid, plural, strs, fuzzy in source:
        if fuzzy or not strs[0]:
            continue
        if plural:
            got = compiled.npgettext(context, msgid, plural, 1) if context else compiled.ngettext(msgid, plural, 1)
        else:
            got = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        if got != strs[0]:
            stale.append(msgid)

    assert len(source) > 500
    assert stale == [], f"compile the catalogue (make messages): {len(stale)} entries differ, e.g. {stale[:3]}"
