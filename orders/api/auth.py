"""API key authentication: `Authorization: Bearer pk_…` (the scheme in any case, as RFC 9110 has it).
The request's `auth` is the ApiKey."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from orders.models import ApiKey, Merchant
from orders.services.api_keys import api_key_authenticate


@dataclass(frozen=True)
class MerchantClient:
    """Who is calling: a merchant's system, not a person, so it is not a Django user."""

    merchant: Merchant
    is_authenticated: bool = True


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the key as 'Authorization: Bearer <key>'."))
        key = api_key_authenticate(header[1])
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is unknown or revoked."))
        return MerchantClient(merchant=key.merchant), key

    def authenticate_header(self, request) -> str:
        return self.keyword


class HasApiKey(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A merchant API key, e.g. `Authorization: Bearer pk_1a2b3c4d5e6f_…`.",
        }
