app_name = "dc"

urlpatterns: list = []
