from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DcConfig(AppConfig):
    name = "dc"
    verbose_name = _("DC floor")
