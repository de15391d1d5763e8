"""Seed "Cancel VLAN": the VLAN is empty, so cancelService succeeds."""

from pprint import pprint as pp

import SoftLayer.API  # noqa: F401  (as in the seed)

from _common import SoftLayer, client as make_client, find, world_from_env

vlanId = 563298

client = make_client()
networkVlanService = client['SoftLayer_Network_Vlan']
billingItemService = client['SoftLayer_Billing_Item']

objectMask = 'mask[billingItem]'

try:
    vlan = networkVlanService.getObject(mask=objectMask, id=vlanId)
    pp(vlan)
    result = billingItemService.cancelService(id=vlan['billingItem']['id'])
    pp(result)
except SoftLayer.SoftLayerAPIError as e:
    print("Unable to cancel the VLAN. faultCode=%s, faultString=%s"
          % (e.faultCode, e.faultString))
    exit(1)

assert vlan["vlanNumber"] == 1234 and vlan["billingItem"]["id"] == 99000501, vlan
assert result is True
assert find(world_from_env(), "networkVlans", 563298) is None
print("ok")
