"""The Chinese catalogue is complete, current and compiled, and the pages switch between Chinese and English.

Civic's msgids are English; zh-hans (the default language) takes every page's
text from civic/locale/zh_Hans/LC_MESSAGES/django.po, and English falls back
to the msgids. `make messages` re-extracts the catalogues, `make setup`
compiles them. The staleness check extracts the source's msgids in pure Python
(Django's own template-to-gettext conversion, then Babel's Python extractor),
so it needs no GNU gettext.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from civic.testing import sign_in

LOCALE_DIRECTORY = Path(settings.BASE_DIR) / "civic" / "locale"
CHINESE_PO = LOCALE_DIRECTORY / "zh_Hans" / "LC_MESSAGES" / "django.po"
ENGLISH_PO = LOCALE_DIRECTORY / "en" / "LC_MESSAGES" / "django.po"

# Python-format placeholders (%(name)s, %(volume).0f, %s, %%); blocktrans variables become %(name)s in msgids.
PLACEHOLDER = re.compile(r"%%|%(?:\(\w+\))?[-#0+]*\d*(?:\.\d+)?[sdifeEgGxXr]")
HTML_TAG = re.compile(r"</?\w+[^>]*>")

# The keywords `manage.py makemessages` hands to xgettext, in Babel's notation.
GETTEXT_KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
# What makemessages skips (the Makefile's --ignore list and Django's default patterns).
IGNORED_DIRECTORIES = {"node_modules", "var", "__pycache__", "migrations"}
SOURCE_SUFFIXES = {".py", ".html", ".txt"}

MessageKey = tuple[str | None, str]


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def message_key(message_id: str | tuple[str, ...] | list[str], context: str | None) -> MessageKey:
    singular = message_id if isinstance(message_id, str) else message_id[0]
    return (context, singular)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def translation_problems(catalogue: Catalog) -> Iterator[str]:
    """One line per message whose Chinese is missing, fuzzy or does not keep the English's placeholders."""
    for message in catalogue:
        if not message.id:
            continue
        strings = _strings(message)
        # Chinese has one plural form: it must carry the placeholders of the plural msgid.
        english = message.id if isinstance(message.id, str) else message.id[-1]
        if message.fuzzy:
            yield f"fuzzy: {message.id!r}"
        elif not all(strings):
            yield f"untranslated: {message.id!r}"
        elif any(placeholders(string) != placeholders(english) for string in strings):
            yield f"placeholders differ: {message.id!r} → {strings!r}"
        elif any(sorted(HTML_TAG.findall(string)) != sorted(HTML_TAG.findall(english)) for string in strings):
            yield f"HTML tags differ: {message.id!r} → {strings!r}"


def source_files() -> Iterator[Path]:
    root = Path(settings.BASE_DIR)
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if any(part.startswith(".") or part in IGNORED_DIRECTORIES for part in parts[:-1]):
            continue
        if path.suffix in SOURCE_SUFFIXES and path.is_file() and not path.name.startswith("."):
            yield path


def python_text(path: Path) -> str:
    """A .py file as it is; a template turned into gettext calls the way makemessages does."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return text
    # templatize keeps the template's line breaks and indentation, which Python's tokenizer (unlike
    # xgettext) rejects; each gettext call stays on one line, so dropping the indentation is safe.
    return "\n".join(line.lstrip() for line in templatize(text, origin=str(path)).splitlines())


@functools.cache
def source_messages() -> dict[MessageKey, str]:
    """Every msgid in the source, with the file it first appears in."""
    found: dict[MessageKey, str] = {}
    for path in source_files():
        text = python_text(path)
        if "gettext" not in text and "_(" not in text:
            continue
        for _line, message_id, _comments, context in extract(
            "python", io.BytesIO(text.encode("utf-8")), keywords=GETTEXT_KEYWORDS, options={"encoding": "utf-8"}
        ):
            key = message_key(message_id, context)
            if key[1]:
                found.setdefault(key, str(path.relative_to(settings.BASE_DIR)))
    return found


# --- The catalogues themselves ---


def test_every_chinese_translation_is_present_not_fuzzy_and_keeps_its_placeholders():
    problems = list(translation_problems(read_catalogue(CHINESE_PO)))
    assert not problems, "zh_Hans catalogue needs work:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("path", "language", "plural_forms"),
    [
        (CHINESE_PO, "zh_Hans", "nplurals=1; plural=0;"),
        (ENGLISH_PO, "en", "nplurals=2; plural=(n != 1);"),
    ],
)
def test_the_catalogue_header_names_its_language_and_plural_forms_and_is_not_fuzzy(path, language, plural_forms):
    catalogue = read_catalogue(path)
    header = dict(catalogue.mime_headers)
    assert not catalogue.fuzzy, f"{path} is marked fuzzy: pybabel compile would skip it"
    assert header["Language"] == language
    assert header["Plural-Forms"] == plural_forms
    assert header["Content-Type"] == "text/plain; charset=utf-8"


def test_the_english_catalogue_falls_back_to_the_english_msgids():
    """English text is the msgids themselves: an English msgstr would hide a later change of the msgid."""
    translated = [message.id for message in read_catalogue(ENGLISH_PO) if message.id and any(_strings(message))]
    assert not translated


def _strings(message: Message) -> tuple[str, ...]:
    if message.string is None or isinstance(message.string, str):
        return (message.string or "",)
    return tuple(message.string)


def test_the_catalogue_holds_every_message_of_the_source():
    """A msgid marked in code or a template but missing from the catalogue shows in English on Chinese pages."""
    in_catalogue = {message_key(message.id, message.context) for message in read_catalogue(CHINESE_PO) if message.id}
    missing = {key: path for key, path in source_messages().items() if key not in in_catalogue}
    assert not missing, "Run `make messages` and translate:\n" + "\n".join(
        f"{path}: {message!r}" for (_context, message), path in sorted(missing.items(), key=lambda item: item[1])
    )


def test_the_compiled_chinese_catalogue_matches_the_po_file():
    """Pages read the .mo file: a stale one shows old or English text. `make setup` compiles it."""
    compiled_path = CHINESE_PO.with_suffix(".mo")
    assert compiled_path.exists(), "No compiled catalogue: run `make setup`"
    with compiled_path.open("rb") as file:
        compiled = {message_key(message.id, message.context): _strings(message) for message in read_mo(file)}
    source = {message_key(message.id, message.context): _strings(message) for message in read_catalogue(CHINESE_PO)}
    stale = [key[1] for key, string in source.items() if key[1] and compiled.get(key) != string]
    assert not stale, "The .mo file is older than the .po file: run `make setup`.\n" + "\n".join(stale[:20])


# --- The pages in both languages ---

PAGE_HEADINGS = [
    ("dashboard", "县域节水工作台", "County water-saving dashboard"),
    ("register", "用水户名录", "Register of water users"),
    ("water_user", "计划用水管理状态", "Planned-use status"),
]


def page_address(page: str, cast) -> str:
    if page == "dashboard":
        return reverse("dashboard")
    if page == "register":
        return reverse("water:register")
    return reverse("water:water_user_detail", args=[cast.runhua.code])


@pytest.mark.parametrize(("page", "chinese", "english"), PAGE_HEADINGS)
def test_wang_fang_reads_the_page_in_chinese_by_default(client, cast, page, chinese, english):
    text = sign_in(client, cast.bureau_staff).get(page_address(page, cast)).text
    assert '<html lang="zh-hans">' in text
    assert chinese in text
    assert english not in text


@pytest.mark.parametrize(("page", "chinese", "english"), PAGE_HEADINGS)
def test_wang_fang_switches_the_page_to_english_and_back(client, cast, page, chinese, english):
    sign_in(client, cast.bureau_staff)
    address = page_address(page, cast)

    switched = client.post(reverse("set_language"), {"language": "en", "next": address})
    assert switched.url == address
    english_text = client.get(address).text
    assert '<html lang="en">' in english_text
    assert english in english_text
    assert chinese not in english_text

    client.post(reverse("set_language"), {"language": "zh-hans", "next": address})
    assert chinese in client.get(address).text


def test_the_language_cookie_alone_chooses_english(client, cast):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = sign_in(client, cast.bureau_staff).get(reverse("water:register")).text
    assert "Register of water users" in text
    assert "用水户名录" not in text


def test_a_model_choice_shows_in_the_language_of_the_page(client, cast):
    """Choices and verbose names go through the catalogue too: Runhua is on the planned-use list."""
    address = reverse("water:water_user_detail", args=[cast.runhua.code])
    sign_in(client, cast.bureau_staff)
    assert "已纳入计划用水管理" in client.get(address).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "On the planned-use list" in client.get(address).text


def test_the_dog_charts_name_their_series_in_the_language_of_the_page(client, cast):
    """The charts' script takes its series names from the page's data, so they follow the language too."""
    address = reverse("dogs:public_statistics")
    assert chart_labels(client.get(address).text)["dogs"] == "犬只数"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert chart_labels(client.get(address).text)["dogs"] == "Number of dogs"


def chart_labels(page: str) -> dict[str, str]:
    """The series names in the page's chart data (the json_script element "dog-figures")."""
    found = re.search(r'<script id="dog-figures" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the page has no chart data"
    return json.loads(found.group(1))["labels"]


def test_the_use_chart_takes_its_series_names_from_the_page(client, cast):
    address = reverse("water:water_user_detail", args=[cast.runhua.code])
    text = sign_in(client, cast.bureau_staff).get(address).text
    assert 'data-planned-label="计划用水量" data-actual-label="实际用水量"' in text
