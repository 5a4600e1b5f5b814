"""Settings of the mixed-load benchmark's server: the product's, plus one bare JSON view (bench/mixed_urls.py)
to measure the framework's own cost in the same run. Never used outside bench/."""

from pickup.settings import *  # noqa: F403 - the product's settings, all of them, then the overrides below

ROOT_URLCONF = "bench.mixed_urls"
