from django.dispatch import Signal

# Sent after the transaction that appended a ParcelEvent commits; receivers get `event` (a ParcelEvent).
# Webhooks and shopper notifications hang off this, so a rolled-back change never reaches anyone.
parcel_event_committed = Signal()
