"""Reading a page's URL query, which anyone can craft and send to a curator as a link.

Dash Pages hands ``layout`` a repeated parameter as a list: it counts with its first value, as the
browser's ``URLSearchParams.get`` (the pages' clientside callbacks) and Flask's ``request.args``
read it. A number is ASCII decimal digits only ('²' and '١' pass ``str.isdigit``; ``int`` takes
'١'), its length checked before ``int`` (thousands of digits exceed ``int``'s limit).
"""

from __future__ import annotations


def first(value) -> str | None:
    """A parameter's text: its first value when repeated; None when absent, empty or not text."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None


def ascii_int(value: str | None, maximum: int) -> int | None:
    """``value`` as an integer in 0..maximum if it is ASCII decimal digits, else None."""
    if value is None or not value.isascii() or not value.isdigit():
        return None
    digits = value.lstrip("0") or "0"  # leading zeros count toward int()'s digit limit
    if len(digits) > len(str(maximum)):
        return None
    n = int(digits)
    return n if n <= maximum else None
