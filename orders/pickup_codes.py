"""Pickup codes: what the shopper shows at the counter to collect an order's parcels.

A code is 10 digits (over 33 bits) derived with HMAC from the server secret and a random per-order
nonce, so the shopper's tracking page can show it again, while the database stores only a keyed
hash of it: a copy of the database alone reveals no code. All parcels of one order share the code.
"""

import hashlib
import hmac

from django.conf import settings

CODE_DIGITS = 10


def _key(purpose: str) -> bytes:
    return hashlib.sha256(f"pickup-code:{purpose}:{settings.SECRET_KEY}".encode()).digest()


def pickup_code_for(order) -> str:
    digest = hmac.new(_key("derive"), order.pickup_nonce.encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def pickup_code_hash(code: str) -> str:
    normalized = "".join(ch for ch in code if ch.isdigit())
    return hmac.new(_key("store"), normalized.encode(), hashlib.sha256).hexdigest()


def return_code_for(return_request) -> str:
    """The code a shopper shows when dropping a return off at a store; hashed with `pickup_code_hash`."""
    digest = hmac.new(_key("return"), return_request.nonce.encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)
