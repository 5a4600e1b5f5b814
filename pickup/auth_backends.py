"""Django's model backend, reading the signed-in user with a compiled select: every request reads it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from pickup.compiled_select import CompiledSelect

_USER_BY_PK = CompiledSelect(lambda pk: get_user_model()._default_manager.filter(pk=pk), pk=-1)


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        found = _USER_BY_PK.fetch(pk=user_id)
        return found[0] if found and self.user_can_authenticate(found[0]) else None
