from django.urls import reverse

from dc.models import DockException, ReturnConsignment
from dc.services.returns import parcel_return_intake


def test_changelists_and_a_consignment_render_read_only(admin_client, dc, dock, make_parcel):
    consignment = parcel_return_intake(
        parcel_code=make_parcel("return_in_transit").tracking_number, dc=dc, user=dock
    ).consignment
    for model in (DockException, ReturnConsignment):
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert admin_client.get(changelist, {"q": "x"}).status_code == 200
    page = admin_client.get(reverse("admin:dc_returnconsignment_change", args=[consignment.pk]))
    assert page.status_code == 200 and "Save" not in page.content.decode()
    assert admin_client.get(reverse("admin:dc_dockexception_add")).status_code == 403
