from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from pickup.demo import build_demo, demo_api_keys, demo_figures, demo_logins


class Command(BaseCommand):
    help = "Build the deterministic demo network, orders in every status and one login per role. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Random seed (same seed, same demo).")
        parser.add_argument("--stores", type=int, default=320, help="Number of stores (at least 10).")
        parser.add_argument("--orders", type=int, default=2400, help="Number of orders.")
        parser.add_argument("--vehicles", type=int, default=28, help="Number of DC vehicles.")
        parser.add_argument(
            "--plan-today",
            action="store_true",
            help=(
                "Then run today's route batch here (once; a few seconds of solving per region), "
                "so the planner console has a plan to show."
            ),
        )

    def handle(self, *args, seed, stores, orders, vehicles, plan_today, **options):
        if stores < 10:
            raise CommandError("--stores must be at least 10.")
        if orders < 0:
            raise CommandError("--orders cannot be negative.")
        if vehicles < 1:
            raise CommandError("--vehicles must be at least 1.")
        summary = build_demo(seed=seed, stores=stores, orders=orders, vehicles=vehicles)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {summary.stores} stores; "
                f"added {summary.orders_created} orders with {summary.parcels_created} parcels."
            )
        )
        for username, password, role in demo_logins():
            self.stdout.write(f"  {username:8} / {password:13} {role}")
        self.stdout.write("Merchant API keys (Authorization: Bearer <key>; docs at /api/v1/docs/):")
        for code, key, test_key in demo_api_keys():
            self.stdout.write(f"  {code:8} {key}  sandbox: {test_key}")
        self.stdout.write(demo_figures())
        if settings.PICKUP_DEMO_SHOP:
            self.stdout.write(f"Demo shop checkout: {settings.PICKUP_PUBLIC_URL}{reverse('demo_shop:checkout')}")
        else:
            self.stdout.write("Demo shop: not mounted (set PICKUP_DEMO_SHOP=1 to try it).")
        if plan_today:
            from routing.demo import plan_demo_today

            for line in plan_demo_today():
                self.stdout.write(line)
