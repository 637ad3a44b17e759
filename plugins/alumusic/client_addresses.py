"""Which rate-limit bucket a client address falls in (the API's token route, the dashboard's login).

One IPv6 subscriber gets at least a /64 and can rotate through its addresses at will, so an IPv6
address alone is no limit: it counts as its /64. ``::ffff:a.b.c.d`` is the IPv4 client ``a.b.c.d``
(dual-stack sockets report IPv4 clients that way). An address that does not parse (a WSGI server or
proxy oddity) keys on its raw text rather than failing the request.
"""

from __future__ import annotations

import ipaddress


def rate_limit_bucket(address: str) -> str:
    """The IPv4 address, or an IPv6 address's /64 network (``2001:db8:1:2::/64``)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))  # drops any %zone too
    return str(ip)
