"""Production collects the static files with hashed names (WhiteNoise's manifest storage), which
rewrites every reference inside them: a vendored script naming a file that is not there (a source
map) stops `collectstatic`, and with it a deployment."""

from django.core.management import call_command
from django.test import override_settings

MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_every_static_file_collects_with_the_production_storage(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST):
        call_command("collectstatic", interactive=False, verbosity=0)

    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/chartjs/chart.umd.*.js")) and list(tmp_path.glob("css/site.*.css"))
