"""Admin pages for API keys, webhook deliveries and attempts, notifications and idempotency records."""

from django.urls import reverse

from orders.models import ApiKey, IdempotencyRecord, Notification, WebhookAttempt, WebhookDelivery
from orders.services.api_keys import api_key_authenticate


def test_changelists_render(admin_client, db):
    for model in (ApiKey, WebhookDelivery, WebhookAttempt, Notification, IdempotencyRecord):
        opts = model._meta
        assert (
            admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "x"}).status_code
            == 200
        )


def test_adding_a_key_shows_it_once_and_stores_only_its_hash(admin_client, merchant):
    response = admin_client.post(
        reverse("admin:orders_apikey_add"), {"merchant": merchant.pk, "name": "checkout", "livemode": "on"}, follow=True
    )
    message = next(str(m) for m in response.context["messages"])
    raw = message.rsplit(" ", 1)[-1]
    key = ApiKey.objects.get()
    assert api_key_authenticate(raw) == key and raw not in key.secret_hash
    assert key.livemode and raw.startswith("pk_") and not raw.startswith("pk_test_")
    page = admin_client.get(reverse("admin:orders_apikey_change", args=[key.pk])).content.decode()
    assert raw not in page


def test_an_operator_makes_a_test_key_by_unticking_live(admin_client, merchant):
    # the add form offers a live key by default
    form = admin_client.get(reverse("admin:orders_apikey_add")).content.decode()
    assert 'name="livemode"' in form and "checked" in form.split('name="livemode"')[1].split(">")[0]
    response = admin_client.post(
        reverse("admin:orders_apikey_add"), {"merchant": merchant.pk, "name": "sandbox"}, follow=True
    )
    raw = next(str(m) for m in response.context["messages"]).rsplit(" ", 1)[-1]
    key = ApiKey.objects.get()
    assert raw.startswith("pk_test_") and not key.livemode and api_key_authenticate(raw) == key


def test_revoke_action(admin_client, merchant):
    admin_client.post(reverse("admin:orders_apikey_add"), {"merchant": merchant.pk, "name": "old"})
    key = ApiKey.objects.get()
    admin_client.post(reverse("admin:orders_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
