//! Bare metal and dedicated servers (`SoftLayer_Hardware_Server`).
//! `SoftLayer_Billing_Item::cancelItem(immediate, false, reason, note)`
//! (immediately only when billed hourly), or with `via: ticket`
//! `SoftLayer_Ticket::createCancelServerTicket(id, reason, content, false, "HARDWARE")`.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::cancel::{call, cancel_item};
use super::source::{ListSource, Source};
use super::virtual_guest::{HOST_KEYS, HOST_NARROWING, read_host};
use super::world::{WorldList, location, tags, transaction};
use super::{Kind, ResourceKind, billing_item_mask, billing_of, json};
use crate::manifest::model::{CancelOptions, Via};
use crate::plan::anniversary::{date_text, next_anniversary};
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::resource::{BillingFacts, Resource};

/// This kind, for other rooms that refer to it (a VLAN's servers).
pub(crate) const KIND: Kind = Kind::Hardware;

#[derive(Debug)]
pub(crate) struct Hardware;

const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Hardware_Server",
    service: "SoftLayer_Account",
    method: "getHardware",
    root: Some("hardware"),
    // `getHardware` returns `SoftLayer_Hardware`; the running transaction
    // and the open cancellation ticket exist only on
    // `SoftLayer_Hardware_Server`, so the mask casts (as slcli does).
    mask: concat!(
        "mask(SoftLayer_Hardware_Server)[id,hostname,domain,fullyQualifiedDomainName,provisionDate,",
        "notes,primaryIpAddress,primaryBackendIpAddress,hourlyBillingFlag,datacenter[name],",
        "tagReferences[tag[name]],activeTransaction[id],openCancellationTicket[id],",
        "networkVlans[id,vlanNumber,primaryRouter[hostname]],",
        billing_item_mask!("billingItem"),
        "]"
    ),
    narrowing: HOST_NARROWING,
    read,
}]);

/// A server's open cancellation ticket, read to write the world's `tickets`.
const OPEN_TICKET: &str = "openCancellationTicket[id,title,statusId,createDate,modifyDate,lastEditDate,accountId,\
assignedUserId,serviceProviderResourceId,subjectId,status[id,name],updates[id,entry,createDate,ticketId,editorType,editorId]]";

impl ResourceKind for Hardware {
    fn kind(&self) -> Kind {
        KIND
    }

    fn name(&self) -> &'static str {
        "hardware"
    }

    fn selector_keys(&self) -> &'static [&'static str] {
        HOST_KEYS
    }

    fn option_keys(&self) -> &'static [&'static str] {
        &["expect", "when", "via", "reason", "note"]
    }

    fn why_not(&self, key: &str) -> Option<&'static str> {
        (key == "power_state").then_some(
            "SoftLayer reports a power state for virtual guests; servers have a hardware status",
        )
    }

    fn source(&self) -> &'static Source {
        &SOURCE
    }

    fn owns_billing_category(&self, category: &str) -> bool {
        category == "server"
    }

    fn refusal_of_timing(
        &self,
        r: &Resource,
        billing: &BillingFacts,
        timing: Timing,
        now: Timestamp,
    ) -> Option<String> {
        if timing != Timing::Immediate || r.is_hourly() {
            return None;
        }
        let date = billing.next_bill_date.map_or_else(
            || "its next bill date".to_string(),
            |date| date_text(next_anniversary(date, now)),
        );
        Some(format!(
            "monthly bare metal can only be cancelled on its anniversary ({date}); use `when: auto` or `anniversary`"
        ))
    }

    fn cancel_call(
        &self,
        r: &Resource,
        timing: Timing,
        options: &CancelOptions,
    ) -> Option<ApiCall> {
        if options.via != Via::Ticket {
            return cancel_item(r, timing, options);
        }
        // The ticket needs a content text: the note, else the reason.
        let content = options
            .note
            .clone()
            .unwrap_or_else(|| options.reason.as_str().to_string());
        Some(call(
            "SoftLayer_Ticket",
            None,
            "createCancelServerTicket",
            vec![
                json!(r.id),
                options.reason.as_str().into(),
                content.into(),
                false.into(),
                "HARDWARE".into(),
            ],
        ))
    }

    // An anniversary cancellation of a server is approved through a
    // ticket that only sales can take back (reference §1.3).
    fn void_call(&self, r: &Resource) -> Result<ApiCall, String> {
        Err(super::cancel::servers_go_through_sales(r))
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[WorldList {
            key: "hardware",
            method: "getHardware",
            root: Some("hardware"),
            locals: "id,hostname,domain,provisionDate,notes,serialNumber,globalIdentifier,bareMetalInstanceFlag,\
hardwareStatusId,accountId,primaryIpAddress,primaryBackendIpAddress,hourlyBillingFlag,hardwareStatus[id,status],\
networkVlans[id]",
            relations: &[tags!(), location!(), transaction!(), OPEN_TICKET],
            billing_items: &["billingItem"],
            cast: Some("SoftLayer_Hardware_Server"),
            tickets_from: Some("openCancellationTicket"),
            ..WorldList::PLAIN
        }]
    }

    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["hardware"]
    }
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
    read_host(&mut r, object);
    r.billing = billing_of(object, "billingItem", now);
    r.created = json::timestamp(object.get("provisionDate"))
        .or_else(|| json::timestamp(json::at(object, &["billingItem", "createDate"])));
    r.hourly = json::flag(object.get("hourlyBillingFlag"));
    r.open_ticket = json::id(json::at(object, &["openCancellationTicket", "id"]));
    Some(r.normalise())
}
