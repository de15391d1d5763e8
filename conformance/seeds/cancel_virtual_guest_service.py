"""Seed "Cancel Virtual Guest Service": getBillingItem then cancelService."""

from _common import client as make_client, find, is_past_or_now, world_from_env

client = make_client()
mask = "mask[id]"
billingId = client['SoftLayer_Virtual_Guest'].getBillingItem(mask=mask, id=12345678)
cancelItem = client['SoftLayer_Billing_Item'].cancelService(id=billingId['id'])

assert billingId == {"id": 99000001}, billingId
assert cancelItem is True, cancelItem
# Immediate cancellation: the guest is reclaimed (--reclaim-after 0s) ...
assert find(world_from_env(), "virtualGuests", 12345678) is None
# ... and its billing item (children too) carries the cancellation date.
item = client['SoftLayer_Billing_Item'].getObject(id=99000001, mask="mask[id,cancellationDate,children[cancellationDate]]")
assert is_past_or_now(item["cancellationDate"]), item
assert all(is_past_or_now(c["cancellationDate"]) for c in item["children"]), item
print("ok")
