from django.urls import path

from orders.demo_shop import views

app_name = "demo_shop"

urlpatterns = [
    path("", views.checkout, name="checkout"),
    path("thanks/<int:order_id>/", views.thanks, name="thanks"),
]
