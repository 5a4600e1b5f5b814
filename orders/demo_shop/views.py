"""A demo web shop's checkout, to show the store picker and the order flow end to end.

It places the order the way a merchant's server would, through the same service as the API,
as the merchant named by PICKUP_DEMO_SHOP_MERCHANT.
"""

import secrets
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orders.models import Merchant, Order, phone_validator
from orders.services.ordering import OrderRejected, ParcelSpec, order_create
from stores.locator import pickup_day_options
from stores.models import SizeClass, Store

SESSION_KEY = "demo_shop_orders"
ITEM = {
    "title": gettext_lazy("Formosa Tea Guide (paperback)"),
    "price": 450,
    "size_class": SizeClass.S,
    "weight_g": 800,
}


class CheckoutForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Your name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"),
        max_length=20,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email (optional)"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    store_code = forms.CharField(
        widget=forms.HiddenInput, error_messages={"required": gettext_lazy("Choose a pickup store.")}
    )
    pay_on_pickup = forms.BooleanField(label=gettext_lazy("Pay at the store when I collect"), required=False)
    pickup_day = forms.TypedChoiceField(
        label=gettext_lazy("Pickup day"), required=False, coerce=date.fromisoformat, empty_value=None
    )
    # The page's language when the form was shown, or the picker's when the shopper chose there.
    language = forms.ChoiceField(choices=Order.Language.choices, widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pickup_day"].choices = pickup_day_options()


def _merchant() -> Merchant:
    merchant = Merchant.objects.filter(code=settings.PICKUP_DEMO_SHOP_MERCHANT, active=True).first()
    if merchant is None:
        raise Http404(_("The demo shop needs the demo data: run `python manage.py seed_demo`."))
    return merchant


@require_http_methods(["GET", "POST"])
def checkout(request):
    merchant = _merchant()
    origin = f"{request.scheme}://{request.get_host()}"
    picker_url = (
        reverse("picker:page")
        + "?"
        + urlencode(
            {"merchant": merchant.code, "origin": origin, "size": ITEM["size_class"], "weight": ITEM["weight_g"]}
        )
    )
    form = CheckoutForm(request.POST or None, initial={"language": get_language()})
    store = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        store = Store.objects.filter(code=data["store_code"]).first()
        if store is None:
            form.add_error(None, _("Choose a pickup store."))
        else:
            try:
                order = order_create(
                    merchant=merchant,
                    reference=f"WEB-{secrets.token_hex(4).upper()}",
                    shopper_name=data["name"],
                    shopper_phone=data["phone"],
                    shopper_email=data["email"],
                    pickup_store=store,
                    cash_on_pickup=ITEM["price"] if data["pay_on_pickup"] else 0,
                    parcels=[ParcelSpec(size_class=ITEM["size_class"], weight_g=ITEM["weight_g"])],
                    preferred_pickup_day=data["pickup_day"],
                    language=data["language"] or get_language(),
                    actor_label=f"merchant:{merchant.code}",
                )
            except OrderRejected as refused:
                for message in refused.messages():
                    form.add_error(None, message)
            else:
                request.session[SESSION_KEY] = [order.pk, *request.session.get(SESSION_KEY, [])][:20]
                return redirect("demo_shop:thanks", order_id=order.pk)
    elif request.method == "POST":
        store = Store.objects.filter(code=request.POST.get("store_code", "")).first()
    context = {
        "form": form,
        "merchant": merchant,
        "item": ITEM,
        "picker_url": picker_url,
        "origin": origin,
        "store": store,
    }
    return render(request, "demo_shop/checkout.html", context, status=400 if request.method == "POST" else 200)


@require_GET
def thanks(request, order_id: int):
    if order_id not in request.session.get(SESSION_KEY, []):
        raise Http404
    order = Order.objects.select_related("pickup_store", "merchant").prefetch_related("parcels").get(pk=order_id)
    return render(request, "demo_shop/thanks.html", {"order": order, "merchant": order.merchant, "item": ITEM})
