"""Seed "Cancel server by private IP".

Adapted: the mask also names primaryBackendIpAddress, which is a relational
property of SoftLayer_Hardware (returned only when masked).
"""

from _common import SoftLayer, client as make_client, find, is_future, world_from_env

client = make_client()

# The list of IPs from the servers you wish cancel
ipsToCancel = ['10.48.66.132', '2.2.2.2']

accountClient = client['SoftLayer_Account']
billingItemClient = client['SoftLayer_Billing_Item']

objectMask = 'mask[billingItem, primaryBackendIpAddress]'
servers = accountClient.getHardware(mask=objectMask)

cancelled = []
for server in servers:
    if 'primaryBackendIpAddress' in server.keys():
        if server['primaryBackendIpAddress'] in ipsToCancel:
            if 'billingItem' in server.keys():
                billingId = server['billingItem']['id']
                try:
                    result = billingItemClient.cancelItem(id=billingId)
                    print(result)
                    cancelled.append(server['id'])
                except SoftLayer.SoftLayerAPIError as e:
                    print("Unable to cancel the server:  \nfaultCode= %s, \nfaultString= %s" % (e.faultCode, e.faultString))
                    raise
print("Done")

assert cancelled == [1001], cancelled
world = world_from_env()
server = find(world, "hardware", 1001)
# cancelItem() without arguments cancels on the anniversary: the server and
# its billing item stay, with a future cancellation date and a ticket.
assert server is not None
assert is_future(server["billingItem"]["cancellationDate"]), server["billingItem"]
tickets = [t for t in world.get("tickets", []) if {"id": 1001} in t.get("attachedHardware", [])]
assert len(tickets) == 1, tickets
hw = client['SoftLayer_Hardware_Server'].getObject(id=1001, mask="mask[id, openCancellationTicket[id]]")
assert hw["openCancellationTicket"]["id"] == tickets[0]["id"], hw
print("ok")
