"""Numbers in the words the services write (refusals, summaries): grouped the Indian way.

The desktop formats what it shows through Babel and the user's locale; a service's message is
built before any locale is known, so it groups digits as the product's users read them:
``12,34,567`` (lakh and crore), never an ungrouped ``1234567``.
"""

from __future__ import annotations


def grouped(n: int) -> str:
    """``1234567`` -> ``12,34,567``; ``-1500`` -> ``-1,500``."""
    sign, digits = ("-", str(-n)) if n < 0 else ("", str(n))
    if len(digits) <= 3:
        return sign + digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return sign + ",".join([head, *pairs, tail])
