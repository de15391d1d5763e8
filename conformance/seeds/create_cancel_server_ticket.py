"""Seed "createCancelServerTicket": the parameter errors, the ticket, the
anniversary cancellation (associated items included) and the second-ticket
refusal."""

from _common import SoftLayer, client as make_client, find, is_future, world_from_env

client = make_client()
tickets = client['SoftLayer_Ticket']


def refused(args, text):
    try:
        tickets.createCancelServerTicket(*args)
    except SoftLayer.SoftLayerAPIError as e:
        assert e.faultCode == 500 and e.faultString == text, (e.faultCode, e.faultString)
        return
    raise AssertionError(f"{args} was accepted")


refused((None, "No longer needed", "content", True, "HARDWARE"), "Attachment id must be provided.")
refused((1005, "", "content", True, "HARDWARE"), "Cancellation reason must be provided.")
refused((1005, "No longer needed", "", True, "HARDWARE"), "Cancellation content description must be provided.")

ticket = tickets.createCancelServerTicket(1005, "No longer needed", "Retiring db-old-03", True, "HARDWARE")
assert ticket["title"] == "Server Cancellation Request", ticket

world = world_from_env()
server = find(world, "hardware", 1005)
assert is_future(server["billingItem"]["cancellationDate"]), server
associated = find(world, "allTopLevelBillingItems", 998878)
assert associated["cancellationDate"] == server["billingItem"]["cancellationDate"], associated
hw = client['SoftLayer_Hardware_Server'].getObject(id=1005, mask="mask[openCancellationTicket[id,title]]")
assert hw["openCancellationTicket"]["id"] == ticket["id"], hw

refused((1005, "No longer needed", "again", False, "HARDWARE"),
        f"A cancellation ticket already exists for this server. Please refer to ticket {ticket['id']}.")
print("ok")
