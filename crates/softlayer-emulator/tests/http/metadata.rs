//! The emulator follows the API's own metadata: what the metadata lacks is
//! answered as the real API answers it.

use serde_json::{Value, json};

use crate::support::{config, get, q, start, start_world, test_world};

fn masked(emu: &softlayer_emulator::Emulator, path: &str, mask: &str) -> crate::support::Resp {
    get(emu, &format!("{path}?objectMask={}", q(mask)))
}

/// Services and methods the metadata lacks (or marks removed) get the
/// API's 404 bodies.
#[test]
fn unknown_services_and_methods_get_the_api_404s() {
    let emu = start(config());
    let no_service =
        json!({"error": "Service does not exist", "code": "SoftLayer_Exception_Public"});
    for path in [
        // In the 2024-06 metadata, removed since.
        "SoftLayer_Network_CdnMarketplace_Configuration_Mapping/listDomainMappings.json",
        // Swift CDN, removed in 2019.
        "SoftLayer_Network_ContentDelivery_Account/1/getObject.json",
        "SoftLayer_Nope/getObject.json",
    ] {
        let r = get(&emu, path);
        assert_eq!((r.status, r.json()), (404, no_service.clone()), "{path}");
    }
    for (path, method) in [
        ("SoftLayer_Account/getCdnAccounts.json", "getCdnAccounts"),
        ("SoftLayer_Account/getNope.json", "getNope"),
        // Removed after the 2024-06 metadata.
        (
            "SoftLayer_Account/getLegacyBandwidthAllotments.json",
            "getLegacyBandwidthAllotments",
        ),
    ] {
        let r = get(&emu, path);
        assert_eq!(
            (r.status, r.json()),
            (
                404,
                json!({"error": format!("Function (\"{method}\") is not a valid method for this service."), "code": "SoftLayer_Exception_Public"})
            ),
            "{path}"
        );
    }
}

/// A world that lists `cdnDomainMappings` is served the CDN Marketplace
/// mapping service as the 2024-06 metadata has it: its masks are checked
/// against the removed container type, and its methods the emulator does
/// not model are said to be so. A world with legacy `cdnAccounts` is still
/// today's API: getCdnAccounts is not a method.
#[test]
fn a_world_with_cdn_mappings_is_served_the_mapping_service() {
    let mut world = test_world();
    world["cdnDomainMappings"] = json!([{"uniqueId": "11223344", "domain": "test.example.com"}]);
    world["cdnAccounts"] = json!([{"id": 14793, "cdnAccountName": "14793"}]);
    let emu = start_world(&world, config());
    let service = "SoftLayer_Network_CdnMarketplace_Configuration_Mapping";
    let r = masked(
        &emu,
        &format!("{service}/listDomainMappings.json"),
        "mask[uniqueId,dynamicContentAcceleration[detectionPath]]",
    );
    assert_eq!(
        (r.status, r.json()),
        (200, json!([{"uniqueId": "11223344"}]))
    );
    let r = masked(
        &emu,
        &format!("{service}/listDomainMappings.json"),
        "mask[uniqueId,nope]",
    );
    assert_eq!(
        (r.status, r.error()),
        (
            500,
            "Property 'nope' not valid for 'SoftLayer_Container_Network_CdnMarketplace_Configuration_Mapping'."
                .to_owned()
        )
    );
    let r = get(&emu, &format!("{service}/verifyCname.json"));
    assert_eq!(
        (r.status, r.error()),
        (
            501,
            format!("{service}::verifyCname exists in the API but is not emulated.")
        )
    );
    let r = get(&emu, &format!("{service}/getNope.json"));
    assert_eq!(r.status, 404, "{}", r.text);
    let r = get(&emu, "SoftLayer_Account/getCdnAccounts.json");
    assert_eq!(
        (r.status, r.error()),
        (
            404,
            "Function (\"getCdnAccounts\") is not a valid method for this service.".to_owned()
        )
    );
}

/// A mask property the (cast) type lacks in the metadata is the API's 500
/// ObjectMask error, at any depth.
#[test]
fn mask_properties_the_type_lacks_are_object_mask_errors() {
    let emu = start(config());
    for (path, mask, property, on) in [
        (
            "SoftLayer_Account/getAdcLoadBalancers.json",
            "mask[id,name]",
            "name",
            "SoftLayer_Network_Application_Delivery_Controller_LoadBalancer_VirtualIpAddress",
        ),
        (
            "SoftLayer_Account/getHardware.json",
            "mask[id,activeTransaction]",
            "activeTransaction",
            "SoftLayer_Hardware",
        ),
        (
            "SoftLayer_Account/getHardware.json",
            "mask[id,openCancellationTicket[id]]",
            "openCancellationTicket",
            "SoftLayer_Hardware",
        ),
        // findByIpAddress returns SoftLayer_Hardware, even on the server service.
        (
            "SoftLayer_Hardware_Server/findByIpAddress/10.0.0.132.json",
            "mask[activeTransaction]",
            "activeTransaction",
            "SoftLayer_Hardware",
        ),
        (
            "SoftLayer_Account/getNetworkVlans.json",
            "mask[id,createDate]",
            "createDate",
            "SoftLayer_Network_Vlan",
        ),
        (
            "SoftLayer_Account/getVirtualGuests.json",
            "mask[id,status[id,name]]",
            "id",
            "SoftLayer_Virtual_Guest_Status",
        ),
        (
            "SoftLayer_Account/getVirtualGuests.json",
            "mask[id,billingItem[children[resourceTableId]]]",
            "resourceTableId",
            "SoftLayer_Billing_Item",
        ),
    ] {
        let r = masked(&emu, path, mask);
        assert_eq!(
            (r.status, r.json()),
            (
                500,
                json!({"error": format!("Property '{property}' not valid for '{on}'."), "code": "SoftLayer_Exception_WebService_ObjectMask"})
            ),
            "{path} {mask}"
        );
    }
    let r = masked(
        &emu,
        "SoftLayer_Account/getHardware.json",
        "mask(SoftLayer_Hardware_Serverr)[id]",
    );
    assert_eq!(
        (r.status, r.error()),
        (
            500,
            "Type 'SoftLayer_Hardware_Serverr' not valid in object mask.".to_owned()
        )
    );
    // Sub-properties of a scalar are ignored (the API's answer is unknown).
    let r = masked(
        &emu,
        "SoftLayer_Account/getHardware.json",
        "mask[id,hostname[id]]",
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()[0]["hostname"], "db-old-01");
}

/// A cast switches the type for its level: server-only properties through
/// `mask(SoftLayer_Hardware_Server)`, in every root form slcli sends.
#[test]
fn casts_switch_the_type() {
    let mut world = test_world();
    world["hardware"][0]["activeTransaction"] =
        json!({"id": 77, "transactionStatus": {"name": "RECLAIM_WAIT"}});
    let emu = start_world(&world, config());
    for mask in [
        "mask[id];mask(SoftLayer_Hardware_Server)[activeTransaction[id],openCancellationTicket[id]]",
        "[mask[id], mask(SoftLayer_Hardware_Server)[activeTransaction[id, transactionStatus[name]]]]",
        "mask[id],mask(SoftLayer_Hardware_Server).activeTransaction.id",
    ] {
        let r = masked(&emu, "SoftLayer_Account/getHardware.json", mask);
        assert_eq!(r.status, 200, "{mask}: {}", r.text);
        let servers = r.json();
        assert_eq!(servers[0]["id"], 201, "{mask}");
        assert_eq!(servers[0]["activeTransaction"]["id"], 77, "{mask}");
        assert!(servers[1].get("activeTransaction").is_none(), "{mask}");
    }
    // A cast at depth: a property of the subtype of a relation's type.
    let r = masked(
        &emu,
        "SoftLayer_Account/getAllTopLevelBillingItems.json",
        "mask[id,children(SoftLayer_Billing_Item_Hardware)[id,resourceTableId]]",
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

/// A property the API has and the emulator does not model is accepted
/// and absent, as a property without a value is.
#[test]
fn unmodelled_api_properties_are_accepted_and_absent() {
    let emu = start(config());
    let r = masked(
        &emu,
        "SoftLayer_Virtual_Guest/101/getObject.json",
        "mask[id,localDiskFlag,billingItem[id,orderItem[order[userRecord[username]]]]]",
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let body: Value = r.json();
    assert_eq!(body["id"], 101);
    assert!(body.get("localDiskFlag").is_none());
}
