"""URL converters for the public ids: only a well-formed id reaches a view, anything else is the resolver's 404."""

from orders.models import PUBLIC_ID_LENGTH


def public_id_regex(prefix: str) -> str:
    return f"{prefix}_[A-Za-z0-9]{{{PUBLIC_ID_LENGTH}}}"


class _PublicIdConverter:
    regex: str

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class OrderIdConverter(_PublicIdConverter):
    regex = public_id_regex("ord")


class DeliveryIdConverter(_PublicIdConverter):
    regex = public_id_regex("dlv")
