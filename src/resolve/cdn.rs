//! Legacy CDN accounts (`SoftLayer_Network_ContentDelivery_Account`).

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use super::resource::{Resource, billing_of};
use super::source::{ListSource, Narrowing, Source, billing_item_mask};
use crate::manifest::model::Kind;

pub(crate) const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: "SoftLayer_Network_ContentDelivery_Account",
    service: "SoftLayer_Account",
    method: "getCdnAccounts",
    root: Some("cdnAccounts"),
    mask: concat!(
        "mask[id,cdnAccountName,accountId,cdnSolutionName,createDate,",
        billing_item_mask!("billingItem"),
        "]"
    ),
    narrowing: Narrowing::NONE,
    read,
}]);

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(Kind::Cdn, json::id(object.get("id"))?);
    let name = json::text(object.get("cdnAccountName"));
    r.name = name.clone().unwrap_or_default();
    r.match_names.extend(name);
    r.account_id = json::id(object.get("accountId"));
    r.variant = json::text(object.get("cdnSolutionName"));
    r.created = json::timestamp(object.get("createDate"));
    r.billing = billing_of(object, "billingItem", now);
    Some(r.normalise())
}
