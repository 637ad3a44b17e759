"""Every SQL statement of the product: one module per table or read model, on a caller's connection.

Repositories import only ``alumusic.domain``, ``alumusic.db``/``settings`` and each other; the
services above pass connections or engines in and never write SQL themselves.
"""
