"""A small reader for gettext catalogues: enough to tell which messages have a usable translation."""

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def key(self) -> tuple:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def translated(self) -> bool:
        return "fuzzy" not in self.flags and bool(self.msgstr) and all(v.strip() for v in self.msgstr.values())


def _unquote(text: str) -> str:
    return ast.literal_eval(text) if text.startswith('"') else ""


def parse(path: Path | str) -> list[Entry]:
    """Entries of a .po file, header excluded; multi-line strings joined, escapes decoded."""
    entries, cur, last = [], Entry(), None

    def flush():
        nonlocal cur, last
        if cur.msgid or cur.msgstr or cur.msgid_plural:
            entries.append(cur)
        cur, last = Entry(), None

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            cur.obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        elif line.startswith("#,"):
            cur.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        elif line.startswith("#:"):
            cur.references += line[2:].split()
            continue
        elif line.startswith("#"):
            continue
        if line.startswith('"'):
            value = _unquote(line)
            if last == "msgid":
                cur.msgid += value
            elif last == "msgid_plural":
                cur.msgid_plural += value
            elif last == "msgctxt":
                cur.msgctxt = (cur.msgctxt or "") + value
            elif isinstance(last, int):
                cur.msgstr[last] += value
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgid" and (cur.msgid or cur.msgstr):
            flush()
        value = _unquote(rest.strip())
        if keyword == "msgctxt":
            if cur.msgid or cur.msgstr:
                flush()
            cur.msgctxt, last = value, "msgctxt"
        elif keyword == "msgid":
            cur.msgid, last = value, "msgid"
        elif keyword == "msgid_plural":
            cur.msgid_plural, last = value, "msgid_plural"
        elif keyword == "msgstr":
            cur.msgstr[0], last = value, 0
        elif keyword.startswith("msgstr["):
            n = int(keyword[7:-1])
            cur.msgstr[n], last = value, n
    flush()
    return [e for e in entries if e.msgid or e.msgctxt]
