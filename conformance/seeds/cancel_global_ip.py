"""Seed "Cancel Global IP": the record through its GLOBAL_IP subnet, then
cancelItem on the anniversary. The subnet id is the one the seed names."""

from pprint import pprint as pp

from _common import SoftLayer, client as make_client, find, is_future, world_from_env

# Use https://softlayer.github.io/reference/services/SoftLayer_Account/getGlobalIpRecords/ to find this Id.
globalIpId = 880617
mask = 'mask[id,billingItem[id]]'

client = make_client()

subnetResult = client['SoftLayer_Network_Subnet'].getGlobalIpRecord(id=globalIpId, mask=mask)
billingItemId = subnetResult['billingItem']['id']

try:
    client['SoftLayer_Billing_Item'].cancelItem(
        False,
        False,
        "No longer needed",
        "Api test",
        id=billingItemId)
except SoftLayer.SoftLayerAPIError as e:
    pp('Unable to get billing item information faultCode=%s, faultString=%s'
        % (e.faultCode, e.faultString))
    raise

assert subnetResult == {"id": 880617, "billingItem": {"id": 99000601}}, subnetResult
record = find(world_from_env(), "globalIpRecords", 880617)
assert is_future(record["billingItem"]["cancellationDate"]), record
print("ok")
