//! Raw billing items by id (`SoftLayer_Billing_Item`): the escape hatch for
//! anything billed that has no kind of its own (licenses, firewalls, ...).
//! Looked up one by one; cancelled with `cancelItem`.

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::cancel_item;
use super::source::Source;
use super::world::{WorldList, billing_locals};
use super::{Kind, ResourceKind, json, owner_of_billing_category, read_billing_item};
use crate::manifest::model::CancelOptions;
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::resource::{BillingFacts, Resource};

const KIND: Kind = Kind::BillingItem;

#[derive(Debug)]
pub(crate) struct BillingItem;

const SOURCE: Source = Source::Lookup {
    service: "SoftLayer_Billing_Item",
    mask: concat!(
        "mask[id,categoryCode,description,recurringFee,hourlyRecurringFee,hourlyFlag,",
        "createDate,nextBillDate,cancellationDate,allowCancellationFlag,parentId,",
        "hostName,domainName,location[name],activeCancellationItem[id,cancellationRequestId],",
        "children[id,categoryCode,description,recurringFee,cancellationDate]]"
    ),
    read,
};

impl ResourceKind for BillingItem {
    fn kind(&self) -> Kind {
        KIND
    }

    fn name(&self) -> &'static str {
        "billing_item"
    }

    fn selector_keys(&self) -> &'static [&'static str] {
        &["id"]
    }

    fn why_not(&self, _key: &str) -> Option<&'static str> {
        Some("a billing_item entry names its billing item by `id` only")
    }

    fn source(&self) -> &'static Source {
        &SOURCE
    }

    // Items another kind models are retired through that kind, where
    // protect rules and preconditions see the object, never as raw items.
    fn refusal_of_billing_item(&self, billing: &BillingFacts) -> Option<String> {
        let kind = owner_of_billing_category(&billing.category)?;
        Some(format!(
            "a {} billing item belongs to a {kind}; retire it with `kind: {kind}` so protect rules and preconditions apply",
            billing.category
        ))
    }

    fn cancel_call(
        &self,
        r: &Resource,
        timing: Timing,
        options: &CancelOptions,
    ) -> Option<ApiCall> {
        cancel_item(r, timing, options)
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[WorldList {
            key: "allTopLevelBillingItems",
            method: "getAllTopLevelBillingItems",
            root: Some("allTopLevelBillingItems"),
            locals: billing_locals!(),
            relations: &[concat!("hourlyFlag,children[", billing_locals!(), "]")],
            top_level_billing: true,
            ..WorldList::PLAIN
        }]
    }

    // Billing items are looked up by id; a snapshot's top-level list is
    // what guarantees every item is in the file.
    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["allTopLevelBillingItems"]
    }
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let facts = read_billing_item(object)?;
    let mut r = Resource::new(KIND, facts.id);
    let hostname = json::text(object.get("hostName"));
    let host = match (&hostname, json::text(object.get("domainName"))) {
        (Some(h), Some(d)) => Some(format!("{h}.{d}")),
        (h, _) => h.clone(),
    };
    // Protect rules on names see the host the item bills for.
    r.match_names.extend(hostname);
    r.match_names.extend(host.clone());
    r.name = match (&facts.description, host) {
        (Some(d), Some(h)) => format!("{d} ({h})"),
        (Some(d), None) => d.clone(),
        (None, Some(h)) => h,
        (None, None) => facts.category.clone(),
    };
    r.datacenter = json::text(json::at(object, &["location", "name"]));
    r.created = json::timestamp(object.get("createDate"));
    r.variant = super::Variant::Typed(facts.category.clone());
    let cancelled = facts.cancellation_date.is_some_and(|d| d <= now);
    r.billing = (!cancelled).then_some(facts);
    Some(r.normalise())
}
