"""Line-by-line check of an EPANET `.inp` file.

`wntr`'s reader stops on the first malformed line with an exception that
names neither the file nor the line (an `AttributeError` on a bad number is
typical). This check runs first and reports ``file:line: what is wrong`` for
the sections that define the network's elements and their references; a file
that passes is then handed to `wntr`.

Reference: Rossman et al., EPANET 2.2 User Manual (EPA/600/R-20/133), chapter
"Input File Format" — the field order of each section below follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hydro.text_encoding import decoded_text

KNOWN_SECTIONS = frozenset(
    {
        "TITLE", "JUNCTIONS", "RESERVOIRS", "TANKS", "PIPES", "PUMPS", "VALVES", "TAGS", "DEMANDS", "STATUS",
        "PATTERNS", "CURVES", "CONTROLS", "RULES", "ENERGY", "EMITTERS", "LEAKAGE", "QUALITY", "SOURCES",
        "REACTIONS", "MIXING", "TIMES", "REPORT", "OPTIONS", "COORDINATES", "VERTICES", "LABELS", "BACKDROP", "END",
    }
)  # fmt: skip

# Section: (field names in order, positions that must be numbers, minimum field count)
FIELD_RULES: dict[str, tuple[tuple[str, ...], frozenset[int], int]] = {
    "JUNCTIONS": (("id", "elevation", "demand", "pattern"), frozenset({1, 2}), 2),
    "RESERVOIRS": (("id", "head", "pattern"), frozenset({1}), 2),
    "TANKS": (("id", "elevation", "initial level", "minimum level", "maximum level", "diameter", "minimum volume"),
              frozenset({1, 2, 3, 4, 5, 6}), 6),
    "PIPES": (("id", "start node", "end node", "length", "diameter", "roughness", "minor loss"),
              frozenset({3, 4, 5, 6}), 6),
    "PUMPS": (("id", "start node", "end node"), frozenset(), 4),
    "VALVES": (("id", "start node", "end node", "diameter", "type", "setting", "minor loss"), frozenset({3, 6}), 6),
    "COORDINATES": (("node", "x", "y"), frozenset({1, 2}), 3),
    "DEMANDS": (("node", "demand"), frozenset({1}), 2),
    "EMITTERS": (("node", "coefficient"), frozenset({1}), 2),
}  # fmt: skip

LINK_SECTIONS = ("PIPES", "PUMPS", "VALVES")
NODE_SECTIONS = ("JUNCTIONS", "RESERVOIRS", "TANKS")
NODE_REFERENCE_SECTIONS = ("COORDINATES", "DEMANDS", "EMITTERS")


@dataclass(frozen=True)
class InpLine:
    """One data line of an `.inp` file: its section, 1-based line number and fields."""

    section: str
    number: int
    fields: tuple[str, ...]


class NetworkFileError(ValueError):
    """A network file that cannot be read; the message names the file and line."""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def decoded_inp(content: bytes) -> str:
    """An `.inp` file's text: UTF-8 when it decodes so, else GB18030, which Chinese modelling software and
    Windows in China write (ids and comments in Chinese)."""
    return decoded_text(content)


def read_inp_lines(path: Path) -> list[InpLine]:
    """Split an `.inp` file into data lines by section (comments and blanks dropped)."""
    try:
        text = decoded_inp(path.read_bytes())
    except OSError as error:
        raise NetworkFileError(f"{path}: cannot be read ({error.strerror})") from error
    lines: list[InpLine] = []
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split(";", 1)[0].strip()
        if not content:
            continue
        if content.startswith("["):
            section = content.strip("[]").strip().upper()
            if section not in KNOWN_SECTIONS:
                raise NetworkFileError(f"{path}:{number}: unknown section [{section}]")
            continue
        if not section:
            raise NetworkFileError(f"{path}:{number}: data before the first [SECTION] header")
        lines.append(InpLine(section, number, tuple(content.split())))
    return lines


def _check_fields(path: Path, line: InpLine) -> None:
    names, numeric, minimum = FIELD_RULES[line.section]
    if len(line.fields) < minimum:
        raise NetworkFileError(
            f"{path}:{line.number}: [{line.section}] needs at least {minimum} fields "
            f"({', '.join(names[:minimum])}), found {len(line.fields)}"
        )
    for position in sorted(numeric):
        if position < len(line.fields) and not _is_number(line.fields[position]):
            if line.section == "VALVES" and position == 5:
                continue  # a general-purpose valve's setting names a curve
            raise NetworkFileError(
                f"{path}:{line.number}: [{line.section}] {names[position]} must be a number, found {line.fields[position]!r}"
            )


def check_inp_file(path: Path) -> None:
    """Raise `NetworkFileError` naming file and line for the first malformed line.

    Checks field counts and numbers in the element sections, duplicate ids and
    links or coordinates that name a node the file does not define.
    """
    lines = read_inp_lines(path)
    node_ids: set[str] = set()
    link_ids: set[str] = set()
    for line in lines:
        if line.section in FIELD_RULES:
            _check_fields(path, line)
        if line.section in NODE_SECTIONS or line.section in LINK_SECTIONS:
            identifiers = node_ids if line.section in NODE_SECTIONS else link_ids
            if line.fields[0] in identifiers:
                raise NetworkFileError(f"{path}:{line.number}: [{line.section}] id {line.fields[0]!r} is defined twice")
            identifiers.add(line.fields[0])
    if not node_ids:
        raise NetworkFileError(f"{path}: defines no junction, reservoir or tank: is it an EPANET .inp file?")
    for line in lines:
        if line.section in LINK_SECTIONS:
            for node in line.fields[1:3]:
                if node not in node_ids:
                    raise NetworkFileError(
                        f"{path}:{line.number}: [{line.section}] {line.fields[0]} names unknown node {node!r}"
                    )
        elif line.section in NODE_REFERENCE_SECTIONS and line.fields[0] not in node_ids:
            raise NetworkFileError(f"{path}:{line.number}: [{line.section}] names unknown node {line.fields[0]!r}")
