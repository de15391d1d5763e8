"""Seed "Cancel Subnet": getBillingItem, then cancelItem on the anniversary."""

from pprint import pprint as pp

from _common import SoftLayer, client as make_client, find, is_future, world_from_env

subnetId = 85467

client = make_client()

subnetResult = client['SoftLayer_Network_Subnet'].getBillingItem(id=subnetId)
billingItemId = subnetResult['id']

try:
    result = client['SoftLayer_Billing_Item'].cancelItem(
        False,
        False,
        "No longer needed",
        "Api test",
        id=billingItemId)
    pp(result)
except SoftLayer.SoftLayerAPIError as e:
    pp('Unable to get billing item information faultCode=%s, faultString=%s'
        % (e.faultCode, e.faultString))
    raise

assert result is True
subnet = find(world_from_env(), "subnets", 85467)
assert is_future(subnet["billingItem"]["cancellationDate"]), subnet
# A pending item still shows on the resource, flagged as pending.
again = client['SoftLayer_Network_Subnet'].getObject(id=subnetId, mask="mask[id,billingItem[cancellationDate,pendingCancellationFlag]]")
assert again["billingItem"]["pendingCancellationFlag"] is True, again
print("ok")
