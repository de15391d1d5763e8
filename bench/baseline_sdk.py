"""The baseline: the benchmark's entries resolved the way the seed documents
do it, with the official Python SDK (SoftLayer 6.2.9 from PyPI).

- an entry by id: one `getBillingItem` call per id on the kind's service
  (`SoftLayer_Billing_Item::getObject` for billing items), as in "Cancel
  Virtual Guest Service";
- an entry by address, name, tags, CIDR or VLAN number: the kind listed
  whole with the SDK's default paging (`iter=True`, 100 per page), then a
  loop over the objects, as in "Cancel server by private IP". Each kind is
  listed once however many entries need it (kinder to the baseline than a
  script per entry);
- a CDN by name: one filtered `getCdnAccounts` per name, as in "Cancel CDN
  Storage".

Calls are sequential, as in the seeds. Prints a JSON document with the
selected objects and the elapsed time.

usage: baseline_sdk.py ENDPOINT ENTRIES_JSON NOW_ISO
"""

import json
import os
import sys
import time
from datetime import datetime

import SoftLayer

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload  # noqa: E402

# The service whose getBillingItem finds an object of the kind by id.
BY_ID = {
    "virtual_guest": "SoftLayer_Virtual_Guest",
    "hardware": "SoftLayer_Hardware_Server",
    "storage": "SoftLayer_Network_Storage",
    "subnet": "SoftLayer_Network_Subnet",
    "vlan": "SoftLayer_Network_Vlan",
    "global_ip": "SoftLayer_Network_Subnet_IpAddress_Global",
    "load_balancer": "SoftLayer_Network_Application_Delivery_Controller_LoadBalancer_VirtualIpAddress",
    "dedicated_host": "SoftLayer_Virtual_DedicatedHost",
}

# The list and mask a loop over a kind needs (the facts the entries test,
# and the billing item to cancel).
LISTS = {
    "virtualGuests": ("SoftLayer_Account", "getVirtualGuests",
                      "mask[id,hostname,domain,createDate,primaryIpAddress,primaryBackendIpAddress,"
                      "datacenter[name],tagReferences[tag[name]],billingItem[id]]"),
    "hardware": ("SoftLayer_Account", "getHardware",
                 "mask[id,hostname,domain,provisionDate,primaryIpAddress,primaryBackendIpAddress,"
                 "datacenter[name],tagReferences[tag[name]],billingItem[id]]"),
    "networkStorage": ("SoftLayer_Account", "getNetworkStorage",
                       "mask[id,username,createDate,serviceResourceBackendIpAddress,"
                       "serviceResource[datacenter[name]],billingItem[id]]"),
    "subnets": ("SoftLayer_Account", "getSubnets",
                "mask[id,networkIdentifier,cidr,datacenter[name],tagReferences[tag[name]],billingItem[id]]"),
    "networkVlans": ("SoftLayer_Account", "getNetworkVlans",
                     "mask[id,vlanNumber,name,primaryRouter[hostname,datacenter[name]],"
                     "tagReferences[tag[name]],billingItem[id]]"),
    "globalIpRecords": ("SoftLayer_Account", "getGlobalIpRecords",
                        "mask[id,ipAddress[ipAddress],billingItem[id]]"),
    "adcLoadBalancers": ("SoftLayer_Account", "getAdcLoadBalancers",
                         "mask[id,notes,ipAddress[ipAddress],billingItem[id]]"),
    "lbaasLoadBalancers": ("SoftLayer_Network_LBaaS_LoadBalancer", "getAllObjects",
                           "mask[id,uuid,name,createDate,datacenter[name]]"),
    "dedicatedHosts": ("SoftLayer_Account", "getDedicatedHosts",
                       "mask[id,name,datacenter[name],tagReferences[tag[name]],billingItem[id]]"),
}


def main():
    endpoint, entries_path, now_text = sys.argv[1:4]
    now = datetime.fromisoformat(now_text)
    with open(entries_path) as f:
        entries = json.load(f)
    client = SoftLayer.create_client_from_env(
        username="SL278184", api_key="bench", endpoint_url=endpoint, timeout=300)
    started = time.monotonic()
    selected = set()

    for e in entries:
        if "id" not in e:
            continue
        for i in workload.as_list(e["id"]):
            if e["kind"] == "billing_item":
                call = lambda: client["SoftLayer_Billing_Item"].getObject(id=i, mask="mask[id]")
            else:
                call = lambda: client[BY_ID[e["kind"]]].getBillingItem(id=i, mask="mask[id]")
            try:
                call()
                selected.add((e["kind"], i))
            except SoftLayer.SoftLayerAPIError as err:
                if err.faultCode != 404 and "Unable to find" not in str(err.faultString):
                    raise

    listed = {}
    for e in entries:
        if "id" in e:
            continue
        if e["kind"] == "cdn":
            flt = {"cdnAccounts": {"cdnAccountName": {"operation": e["name"]}}}
            for c in client["SoftLayer_Account"].getCdnAccounts(filter=flt, mask="mask[id,billingItem[id]]"):
                selected.add(("cdn", c["id"]))
            continue
        for source in workload.SOURCES[e["kind"]]:
            key = source["world"]
            if key not in listed:
                service, method, mask = LISTS[key]
                listed[key] = client.call(service, method, mask=mask, iter=True)
            for obj in listed[key]:
                if workload.selects(e, workload.facts(e["kind"], key, obj), now):
                    selected.add((e["kind"], obj["id"]))

    print(json.dumps({
        "elapsed": time.monotonic() - started,
        "selected": sorted([k, i] for k, i in selected),
    }))


if __name__ == "__main__":
    main()
