"""Seed "Cancel CDN Storage": find the CDN by name with a filter, then a
cancellation request.

Kept as the seed wrote it, as a check that it fails exactly as it does on
today's API: SoftLayer_Account::getCdnAccounts left the API in 2019, so the
first call is refused (404, "not a valid method") and the script ends with
exit 1 before cancelling anything (run.py checks the output and the world).
"""

import json

from _common import SoftLayer, client as make_client, find, world_from_env

# The name of the CDN to cancel.
cdnAccountName = "14793"
immediateCancellation = True

client = make_client()
billingService = client['SoftLayer_Billing_Item_Cancellation_Request']
accountService = client['SoftLayer_Account']

# Set an object mask to get the billing item associated to the CDNN.
objectMask = "mask[billingItem]"

# Set an object filter to get only the configured CDN to delete in the result.
objectFilter = {"cdnAccounts": {"cdnAccountName": {"operation": cdnAccountName}}}

try:
    # Geting the CDN to delete
    cdns = accountService.getCdnAccounts(filter=objectFilter, mask=objectMask)
    if len(cdns) == 0:
        print("The configured CDN: " + cdnAccountName + " does not exist in the account")
        exit(1)
    # Create the SoftLayer_Billing_Item_Cancellation_Request skeleton to create the cancellation request
    template = {
        "accountId": cdns[0]['accountId'],
        "items": [
            {
                "billingItemId": cdns[0]['billingItem']['id'],
                "immediateCancellationFlag": immediateCancellation
            }
        ]
    }
    result = billingService.createObject(template)
    print(json.dumps(result, sort_keys=True, indent=2, separators=(',', ': ')))
except SoftLayer.SoftLayerAPIError as e:
    print("Unable to create the cancel request %s %s"
          % (e.faultCode, e.faultString))
    exit(1)
