"""Seed "Cancel Storage Volume": getObject with the billing item, then
cancelService (immediate; the snapshot space child goes with it)."""

import pprint

from _common import SoftLayer, client as make_client, find, is_past_or_now, world_from_env

storageId = 4471311
# Use the mask to get billing item from a network storage
billingMask = 'mask[billingItem]'
# Create a client instance
client = make_client()
storage = client['SoftLayer_Network_Storage'].getObject(mask=billingMask, id=storageId)

billingId = storage['billingItem']['id']
try:
    result = client['SoftLayer_Billing_Item'].cancelService(id=billingId)
    print("Service cancelled")
    pprint.pprint(result)
except SoftLayer.SoftLayerAPIError as e:
    print("Error cannot cancel the service  faultCode=%s, faultString=%s"
          % (e.faultCode, e.faultString))
    exit(1)

assert result is True
assert find(world_from_env(), "networkStorage", 4471311) is None
child = client['SoftLayer_Billing_Item'].getObject(id=99000302)
assert is_past_or_now(child["cancellationDate"]), child
print("ok")
