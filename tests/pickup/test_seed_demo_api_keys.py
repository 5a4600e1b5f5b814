from io import StringIO

from django.core.management import call_command
from rest_framework.test import APIClient

from orders.models import ApiKey


def test_seed_prints_one_working_key_per_demo_merchant_and_the_demo_shop_and_stays_idempotent(db):
    # given
    out = StringIO()
    call_command("seed_demo", "--stores", "12", "--orders", "0", stdout=out)
    call_command("seed_demo", "--stores", "12", "--orders", "0", stdout=(again := StringIO()))
    # then
    text = out.getvalue()
    keys = [
        line.split()[1] for line in text.splitlines() if line.strip().startswith(("BOOKNOOK", "TEAHOUSE", "GADGETS"))
    ]
    test_keys = [line.split()[-1] for line in text.splitlines() if "sandbox: " in line]
    assert len(keys) == 3 and len(test_keys) == 3 and ApiKey.objects.count() == 6
    assert all(key in again.getvalue() for key in keys + test_keys)
    assert "/demo-shop/" in text
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {keys[0]}")
    assert client.get("/api/v1/orders/").status_code == 200
    # the sandbox key works too, on the sandbox only
    assert all(key.startswith("pk_test_") for key in test_keys)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {test_keys[0]}")
    assert client.get("/api/v1/orders/").json()["results"] == []
