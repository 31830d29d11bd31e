"""Household addresses written the way the register compares them.

The one-dog-per-household rule of a key area ([CZ-DOGS] on zoned keeping:
重点管理区每户限养一只犬) holds only if the same flat is always the same
household. Clerks and owners write one flat many ways: full-width or
half-width digits, spaces, "1002室" or "1002", "十二栋" or "12栋", "12幢" or
"12号楼", with or without the province, city, district and town in front.
`normalised_address` writes them all alike; nothing here reads the database.
"""

from __future__ import annotations

import re
import unicodedata

CHINESE_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
# A number written in Chinese is read as a number only right before one of these
# markers of a building, flat or floor ("十二栋", "一〇二室"); place names such as
# "一品家园" or "三井街道" keep their characters.
NUMBER_MARKERS = "号|栋|幢|座|单元|室|楼|层|弄|巷|组|房"
CHINESE_NUMBER = re.compile(rf"([〇零一二两三四五六七八九十百千]+)(?={NUMBER_MARKERS})")
# Words for the same part of an address, written one way.
SYNONYMS = (("号楼", "栋"), ("幢", "栋"), ("座", "栋"))
DASHES = re.compile(r"[‐‑‒–—―−~～]")
DROPPED = re.compile(r"[\s,，、。.·・:：;；\"'“”‘’]")
# A flat written with or without its last word: "1002室", "1002号", "1002号房", "1002房".
TRAILING_WORDS = re.compile(r"(号房|室|号|房)+$")
# A province and a city in front ("江苏省常州市"): two or three characters and their suffix.
PROVINCE = re.compile(r"^[\u4e00-\u9fff]{2,3}省")
CITY = re.compile(r"^[\u4e00-\u9fff]{2,3}市")


def chinese_number_value(numeral: str) -> int:
    """The value of a Chinese numeral: "十二" is 12, "二十" is 20, "一百零五" is 105, "一〇二" is 102."""
    if not any(character in CHINESE_UNITS for character in numeral):
        return int("".join(str(CHINESE_DIGITS[character]) for character in numeral))
    total, digit = 0, None
    for character in numeral:
        if character in CHINESE_UNITS:
            total += (1 if digit is None else digit) * CHINESE_UNITS[character]
            digit = None
        else:
            digit = CHINESE_DIGITS[character]
    return total + (digit or 0)


def arabic_numbers(text: str) -> str:
    """Chinese numerals before a building, flat or floor marker written in digits."""
    return CHINESE_NUMBER.sub(lambda match: str(chinese_number_value(match.group(1))), text)


def without_leading_names(text: str, leading_names: tuple[str, ...]) -> str:
    """The address without the province, city and the given region names (district, town) in front."""
    text = PROVINCE.sub("", text, count=1)
    text = CITY.sub("", text, count=1)
    for name in leading_names:
        if name and text.startswith(name):
            text = text[len(name) :]
    return text


def normalised_address(address: str, leading_names: tuple[str, ...] = ()) -> str:
    """The form of an address under which the register finds its household.

    Parameters
    ----------
    address
        The address as typed at the counter.
    leading_names
        Names of the regions the address lies in, outermost first (the
        district, then the town or street); dropped where the address starts
        with them, because the household's town is kept apart.

    Examples
    --------
    >>> normalised_address("湖塘镇 花园街１号 十二幢 1002室", ("武进区", "湖塘镇"))
    '花园街1号12栋1002'
    """
    text = unicodedata.normalize("NFKC", address).upper()
    text = DROPPED.sub("", DASHES.sub("-", text))
    text = without_leading_names(text, leading_names)
    text = arabic_numbers(text)
    for variant, word in SYNONYMS:
        text = text.replace(variant, word)
    return TRAILING_WORDS.sub("", text)


def normalised_place_name(name: str) -> str:
    """A road's or community's name written as `normalised_address` writes it inside an address."""
    text = unicodedata.normalize("NFKC", name).upper()
    return arabic_numbers(DROPPED.sub("", DASHES.sub("-", text)))
