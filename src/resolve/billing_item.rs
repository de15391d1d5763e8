//! Raw billing items by id (`SoftLayer_Billing_Item`): the escape hatch for
//! anything billed that has no kind of its own (licenses, firewalls, ...).

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{BillingFacts, Resource};
use super::source::Source;
use crate::manifest::model::Kind;

pub(crate) const SOURCE: Source = Source::Lookup {
    service: "SoftLayer_Billing_Item",
    mask: concat!(
        "mask[id,categoryCode,description,recurringFee,hourlyRecurringFee,hourlyFlag,",
        "createDate,nextBillDate,cancellationDate,allowCancellationFlag,parentId,",
        "hostName,domainName,location[name],",
        "children[id,categoryCode,description,recurringFee,cancellationDate]]"
    ),
    read,
};

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let facts = BillingFacts::from_json(object)?;
    let mut r = Resource::new(Kind::BillingItem, facts.id);
    let host = match (
        json::text(object.get("hostName")),
        json::text(object.get("domainName")),
    ) {
        (Some(h), Some(d)) => Some(format!("{h}.{d}")),
        (h, _) => h,
    };
    r.name = match (&facts.description, host) {
        (Some(d), Some(h)) => format!("{d} ({h})"),
        (Some(d), None) => d.clone(),
        (None, Some(h)) => h,
        (None, None) => facts.category.clone(),
    };
    r.datacenter = json::text(json::at(object, &["location", "name"]));
    r.created = json::timestamp(object.get("createDate"));
    r.variant = Some(facts.category.clone());
    let cancelled = facts.cancellation_date.is_some_and(|d| d <= now);
    r.billing = (!cancelled).then_some(facts);
    Some(r.normalise())
}
