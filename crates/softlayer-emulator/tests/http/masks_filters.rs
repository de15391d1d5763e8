//! Object masks and object filters over HTTP.

use serde_json::{Value, json};

use crate::support::{config, get, q, start};

fn guests(emu: &softlayer_emulator::Emulator, filter: &Value) -> Vec<i64> {
    let r = get(
        emu,
        &format!(
            "SoftLayer_Account/getVirtualGuests.json?objectMask=mask%5Bid%5D&objectFilter={}",
            q(&filter.to_string())
        ),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_i64().unwrap())
        .collect()
}

/// Listing locals returns only those; relations appear only when masked.
#[test]
fn masks_select_locals_and_relations() {
    let emu = start(config());
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Virtual_Guest/101/getObject.json?objectMask={}",
            q("mask[id, hostname]")
        ),
    );
    assert_eq!(r.json(), json!({"id": 101, "hostname": "ci-runner-01"}));
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Virtual_Guest/101/getObject.json?objectMask={}",
            q("mask[billingItem]")
        ),
    );
    let body = r.json();
    assert_eq!(
        body["hostname"], "ci-runner-01",
        "locals stay when only relations are listed"
    );
    assert_eq!(body["billingItem"]["id"], 1010);
    assert!(body["billingItem"].get("children").is_none());
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Virtual_Guest/101/getObject.json?objectMask={}",
            q(
                "mask[id,billingItem[id,hourlyFlag,nextInvoiceTotalRecurringAmount,children.recurringFee],networkVlans.vlanNumber,tagReferences.tag.name,primaryIpAddress]"
            )
        ),
    );
    assert_eq!(
        r.json(),
        json!({"id": 101, "primaryIpAddress": "169.45.1.10",
               "billingItem": {"id": 1010, "hourlyFlag": true, "nextInvoiceTotalRecurringAmount": 5.0, "children": [{"recurringFee": "5.00"}]},
               "networkVlans": [{"vlanNumber": 1100}, {"vlanNumber": 1101}],
               "tagReferences": [{"tag": {"name": "ephemeral"}}, {"tag": {"name": "ci"}}]})
    );
}

/// The `mask.a.b` form and bare lists work as the SDK sends them.
#[test]
fn dotted_and_bare_masks() {
    let emu = start(config());
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Virtual_Guest/101/getObject.json?objectMask={}",
            q("mask.billingItem.id")
        ),
    );
    assert_eq!(r.json()["billingItem"], json!({"id": 1010}));
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Virtual_Guest/101/getObject.json?objectMask={}",
            q("id,domain")
        ),
    );
    assert_eq!(r.json(), json!({"id": 101, "domain": "example.com"}));
}

/// Missing single relations are left out instead of sent as null; list
/// relations the emulator derives are sent even when empty, as the API
/// does; stored ones the world file does not write are left out.
#[test]
fn empty_relations_are_omitted() {
    let emu = start(config());
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Network_Vlan/13/getObject.json?objectMask={}",
            q(
                "mask[id,billingItem,virtualGuests,hardware[id],subnets,firewallInterfaces,networkVlanFirewall,hardwareCount]"
            )
        ),
    );
    assert_eq!(
        r.json(),
        json!({
            "id": 13, "hardware": [{"id": 201}, {"id": 202}], "hardwareCount": 2,
            "virtualGuests": [], "subnets": [],
        })
    );
}

/// Casts reach subtype properties; without a cast they are unknown.
#[test]
fn casts_reach_subtype_properties() {
    let emu = start(config());
    let f = q(r#"{"allTopLevelBillingItems": {"categoryCode": {"operation": "guest_core"}}}"#);
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Account/getAllTopLevelBillingItems.json?objectFilter={f}&objectMask={}",
            q("mask(SoftLayer_Billing_Item_Virtual_Guest)[id,resourceTableId]")
        ),
    );
    assert_eq!(
        r.json().as_array().unwrap()[0],
        json!({"id": 1010, "resourceTableId": 101})
    );
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Account/getAllTopLevelBillingItems.json?objectMask={}",
            q("mask[resourceTableId]")
        ),
    );
    assert_eq!(r.status, 500);
    assert_eq!(
        r.json(),
        json!({"error": "Property 'resourceTableId' not valid for 'SoftLayer_Billing_Item'.", "code": "SoftLayer_Exception_WebService_ObjectMask"})
    );
}

/// Unknown properties and syntax errors are 500s with the right codes.
#[test]
fn mask_errors() {
    let emu = start(config());
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Network_Vlan/11/getObject.json?objectMask={}",
            q("mask[networkVlan]")
        ),
    );
    assert_eq!(r.status, 500);
    assert_eq!(
        r.error(),
        "Property 'networkVlan' not valid for 'SoftLayer_Network_Vlan'."
    );
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Network_Vlan/11/getObject.json?objectMask={}",
            q("mask[id")
        ),
    );
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["code"], "SoftLayer_Exception_Common_Parser");
}

/// Tag filters match when ANY referenced tag matches.
#[test]
fn tag_filters_match_any_tag() {
    let emu = start(config());
    assert_eq!(
        guests(
            &emu,
            &json!({"virtualGuests": {"tagReferences": {"tag": {"name": {"operation": "ci"}}}}})
        ),
        vec![101]
    );
    assert_eq!(
        guests(
            &emu,
            &json!({"virtualGuests": {"tagReferences": {"tag": {"name": {"operation": "in", "options": [{"name": "data", "value": ["ephemeral", "keep"]}]}}}}})
        ),
        vec![101, 102, 103]
    );
}

/// Filters on locals, through relations, with sorting; unknown keys ignored.
#[test]
fn filters_and_order() {
    let emu = start(config());
    assert_eq!(
        guests(
            &emu,
            &json!({"virtualGuests": {"hostname": {"operation": "^= web-"}}})
        ),
        vec![103, 104]
    );
    assert_eq!(
        guests(
            &emu,
            &json!({"virtualGuests": {"hostname": {"operation": "!*= -0"}}})
        ),
        vec![106]
    );
    assert_eq!(
        guests(
            &emu,
            &json!({"virtualGuests": {"datacenter": {"name": {"operation": "dal10"}}}})
        ),
        vec![102, 104]
    );
    assert_eq!(
        guests(
            &emu,
            &json!({"virtualGuests": {"primaryIpAddress": {"operation": "169.45.1.12"}}})
        ),
        vec![103]
    );
    assert_eq!(
        guests(
            &emu,
            &json!({"virtualGuests": {"dedicatedHost": {"name": {"operation": "dh-old-01"}}}})
        ),
        vec![106]
    );
    assert_eq!(
        guests(
            &emu,
            &json!({"virtualGuests": {"billingItem": {"recurringFee": {"operation": ">= 30"}}}})
        ),
        vec![106]
    );
    assert_eq!(
        guests(
            &emu,
            &json!({"virtualGuests": {"id": {"operation": "> 104"}, "bogus": {"operation": "x"}}})
        ),
        vec![105, 106]
    );
    assert_eq!(
        guests(
            &emu,
            &json!({"virtualGuests": {"hostname": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]}}})
        ),
        vec![104, 103, 106, 105, 102, 101]
    );
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Network_LBaaS_LoadBalancer/getAllObjects.json?objectFilter={}",
            q(r#"{"name": {"operation": "web-lb"}}"#)
        ),
    );
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    assert_eq!(r.header("SoftLayer-Total-Items"), Some("1"));
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Account/getNetworkVlans.json?objectMask=mask%5Bid%5D&objectFilter={}",
            q(
                r#"{"networkVlans": {"primaryRouter": {"hostname": {"operation": "bcr01a.dal13"}}, "vlanNumber": {"operation": 1102}}}"#
            )
        ),
    );
    assert_eq!(r.json(), json!([{"id": 13}]));
}

/// filteredMask also filters nested lists by the objectFilter.
#[test]
fn filtered_mask_filters_nested_lists() {
    let emu = start(config());
    let f = q(r#"{"virtualGuests": {"tagReferences": {"tag": {"name": {"operation": "ci"}}}}}"#);
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Account/getVirtualGuests.json?objectFilter={f}&objectMask={}",
            q("filteredMask[id,tagReferences.tag.name]")
        ),
    );
    assert_eq!(
        r.json(),
        json!([{"id": 101, "tagReferences": [{"tag": {"name": "ci"}}]}])
    );
}

/// Derived inverse relations: VLAN members, subnet members, global IP subnet.
#[test]
fn derived_relations() {
    let emu = start(config());
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Network_Vlan/12/getObject.json?objectMask={}",
            q("mask[virtualGuestCount,subnetCount,subnets.id,datacenter]")
        ),
    );
    let v = r.json();
    assert_eq!(
        (v["virtualGuestCount"].clone(), v["subnetCount"].clone()),
        (json!(5), json!(2))
    );
    assert!(v.get("datacenter").is_none());
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Network_Vlan/11/getObject.json?objectMask={}",
            q("mask[datacenter.name]")
        ),
    );
    assert_eq!(r.json()["datacenter"], json!({"name": "dal13"}));
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Network_Subnet/401/getObject.json?objectMask={}",
            q("mask[virtualGuestCount,hardwareCount,ipAddressCount]")
        ),
    );
    assert_eq!(
        (
            r.json()["virtualGuestCount"].clone(),
            r.json()["hardwareCount"].clone()
        ),
        (json!(5), json!(2))
    );
    let r = get(
        &emu,
        "SoftLayer_Network_Subnet/403/getGlobalIpRecord.json?objectMask=mask%5Bid%2CbillingItem.id%5D",
    );
    assert_eq!(r.json(), json!({"id": 501, "billingItem": {"id": 5010}}));
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Network_Subnet_IpAddress_Global/501/getObject.json?objectMask={}",
            q("mask[destinationIpAddress.virtualGuest.hostname]")
        ),
    );
    assert_eq!(
        r.json()["destinationIpAddress"]["virtualGuest"],
        json!({"hostname": "ci-runner-01"})
    );
    let r = get(
        &emu,
        "SoftLayer_Virtual_DedicatedHost/41/getGuests.json?objectMask=mask%5Bid%5D",
    );
    assert_eq!(
        (r.json(), r.header("SoftLayer-Total-Items")),
        (json!([{"id": 106}]), Some("1"))
    );
}

fn masked(emu: &softlayer_emulator::Emulator, path: &str, mask: &str) -> Value {
    let sep = if path.contains('?') { '&' } else { '?' };
    let r = get(emu, &format!("{path}{sep}objectMask={}", q(mask)));
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.json()
}

/// The masks of slcli's list and detail commands name properties the API
/// knows and the emulator does not model: they are accepted, and absent
/// from the result unless the world file writes them.
#[test]
fn slcli_list_and_detail_masks_are_accepted() {
    let emu = start(config());
    let vs = masked(
        &emu,
        "SoftLayer_Account/getVirtualGuests.json",
        "mask[activeTransaction[id,transactionStatus[name,friendlyName]],deviceStatus.name,id,hostname,primaryIpAddress,primaryBackendIpAddress,domain,createDate,datacenter.name]",
    );
    assert_eq!(vs[0]["hostname"], "ci-runner-01");
    assert!(vs[0].get("deviceStatus").is_none(), "{}", vs[0]);
    let guest = masked(
        &emu,
        "SoftLayer_Virtual_Guest/101/getObject.json",
        "mask[id,transientGuestFlag,privateNetworkOnlyFlag,networkComponents[id, primarySubnet[addressSpace]],lastKnownPowerState.name,lastTransaction[transactionStatus,modifyDate,transactionGroup[name]],lastOperatingSystemReload.id,blockDevices,blockDeviceTemplateGroup[id],postInstallScriptUri,softwareComponents[passwords[username]],userData,billingItem[id,package[id,keyName],nextInvoiceChildren[description,categoryCode,recurringFee],orderItem[id,order.userRecord[username],preset.keyName]],monitoringServiceComponent,networkMonitors[queryType],placementGroupId]",
    );
    assert_eq!(
        guest,
        json!({"id": 101, "billingItem": {"id": 1010, "nextInvoiceChildren": [
            {"categoryCode": "ram", "recurringFee": "5.00"}
        ]}})
    );
    let hw = masked(
        &emu,
        "SoftLayer_Hardware_Server/201/getObject.json",
        "mask[id, processorPhysicalCoreAmount,memoryCapacity, privateNetworkOnlyFlag, networkManagementIpAddress, userData, hourlyBillingFlag,lastTransaction[transactionGroup], hardwareChassis[id,name], networkVlans[id,primarySubnets[ipAddresses]], remoteManagementAccounts[username]]",
    );
    assert_eq!(
        hw,
        json!({"id": 201, "hourlyBillingFlag": false, "networkVlans": [{"id": 13}]})
    );
    let volumes = masked(
        &emu,
        "SoftLayer_Account/getIscsiNetworkStorage.json",
        "mask[id,provisionedIops,replicationPartnerCount,bytesUsed,activeTransactionCount]",
    );
    assert_eq!(volumes, json!([{"id": 301}]));
    let vlans = masked(
        &emu,
        "SoftLayer_Account/getNetworkVlans.json",
        "mask[id, podName, tagReferences[tag[name]], billingItem[id]]",
    );
    // A taggable object without tags has an empty tag list.
    assert_eq!(vlans[2], json!({"id": 13, "tagReferences": []}));
    let subnets = masked(
        &emu,
        "SoftLayer_Account/getSubnets.json",
        "mask[id,hardware,virtualGuests,endPointIpAddress,ipAddresses]",
    );
    assert_eq!(
        subnets[1],
        json!({"id": 402, "hardware": [], "virtualGuests": [], })
    );
}

/// A world file may write a known, unmodelled property; it is served as
/// written (locals by default, relations when masked).
#[test]
fn unmodelled_properties_are_served_as_written() {
    let mut w = crate::support::test_world();
    w["virtualGuests"][0]["transientGuestFlag"] = json!(true);
    w["virtualGuests"][0]["deviceStatus"] = json!({"id": 8, "name": "Running"});
    let emu = crate::support::start_world(&w, config());
    let g = get(&emu, "SoftLayer_Virtual_Guest/101/getObject.json").json();
    assert_eq!(g["transientGuestFlag"], true);
    assert!(g.get("deviceStatus").is_none());
    let g = masked(
        &emu,
        "SoftLayer_Virtual_Guest/101/getObject.json",
        "mask[id,deviceStatus.name]",
    );
    assert_eq!(g, json!({"id": 101, "deviceStatus": {"name": "Running"}}));
}

/// get<Relation> of an empty list relation answers [] (with a total of 0),
/// of a missing single relation null; SoftLayer_Network_Pod lists no pods.
#[test]
fn empty_list_relations_answer_empty_lists() {
    let emu = start(config());
    for method in [
        "getActiveComponents",
        "getHardDrives",
        "getBillingCycleBandwidthUsage",
        "getTagReferences",
    ] {
        let r = get(
            &emu,
            &format!("SoftLayer_Hardware_Server/201/{method}.json"),
        );
        assert_eq!((r.status, r.text.as_str()), (200, "[]"), "{method}");
        assert_eq!(r.header("SoftLayer-Total-Items"), Some("0"), "{method}");
    }
    let r = get(
        &emu,
        "SoftLayer_Hardware_Server/201/getOperatingSystem.json",
    );
    assert_eq!((r.status, r.text.as_str()), (200, "null"));
    let r = get(
        &emu,
        &format!(
            "SoftLayer_Network_Pod/getAllObjects.json?objectMask={}",
            q("mask[name, capabilities]")
        ),
    );
    assert_eq!((r.status, r.text.as_str()), (200, "[]"));
    assert_eq!(r.header("SoftLayer-Total-Items"), Some("0"));
    assert_eq!(
        get(&emu, "SoftLayer_Network_Pod/1/getObject.json").status,
        404
    );
}

/// A property named twice is rendered once with both sub-masks merged,
/// in a short mask and in one long enough to be indexed.
#[test]
fn repeated_properties_merge_in_short_and_long_masks() {
    let emu = start(config());
    for filler in [0, 40] {
        let mask = format!(
            "mask[billingItem[id],id,{}hostname,billingItem[recurringFee]]",
            "id,".repeat(filler)
        );
        let r = get(
            &emu,
            &format!(
                "SoftLayer_Virtual_Guest/101/getObject.json?objectMask={}",
                q(&mask)
            ),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.json(),
            json!({"id": 101, "hostname": "ci-runner-01", "billingItem": {"id": 1010, "recurringFee": "0"}}),
            "{filler}"
        );
    }
}
