"""Which encoding a user's text file is in: UTF-8, or GB18030 (the superset of GBK that Windows and Excel in China
write). A file that decodes as UTF-8 is UTF-8 (a byte-order mark dropped); any other is read as GB18030, which
decodes every byte sequence GBK writes.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import SupportsRead

READ_BLOCK_BYTES = 1 << 20


def decoded_text(content: bytes) -> str:
    """A small text file's content (a model, a sensor list): UTF-8 when it decodes so, else GB18030."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("gb18030", errors="replace")


def csv_encoding(handle: SupportsRead[bytes]) -> str:
    """``"utf-8-sig"`` if the whole file decodes as UTF-8, else ``"gb18030"``, read a block at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for block in iter(lambda: handle.read(READ_BLOCK_BYTES), b""):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"
