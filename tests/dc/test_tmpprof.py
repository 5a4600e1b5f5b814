import cProfile, pstats, time
from django.urls import reverse

def test_prof(client, dock, dc, merchant, make_parcel):
    merchant.webhook_url = "http://127.0.0.1:9/hook"; merchant.save()
    client.force_login(dock)
    parcels = [make_parcel() for _ in range(150)]
    u = reverse("dc:intake", args=[dc.code])
    client.post(u, {"code": parcels[0].tracking_number}, HTTP_ACCEPT="application/json")
    pr = cProfile.Profile()
    t = time.perf_counter()
    pr.enable()
    for p in parcels[1:]:
        client.post(u, {"code": p.tracking_number}, HTTP_ACCEPT="application/json")
    pr.disable()
    print("ms/scan", (time.perf_counter()-t)*1000/149)
    pstats.Stats(pr).sort_stats("cumulative").print_stats("dc/|orders/|stores/|routing/|pickup/|whitenoise|sessions|celery|kombu|logging", 40)
