//! Legacy CDN accounts (`SoftLayer_Network_ContentDelivery_Account`),
//! cancelled with a cancellation request.

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::cancellation_request;
use super::source::{ListSource, Narrowing, Source};
use super::world::WorldList;
use super::{Kind, ResourceKind, billing_item_mask, billing_of, json};
use crate::manifest::model::CancelOptions;
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::resource::Resource;

const KIND: Kind = Kind::Cdn;

#[derive(Debug)]
pub(crate) struct Cdn;

const SOURCE: Source = Source::Lists(&[ListSource {
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

impl ResourceKind for Cdn {
    fn kind(&self) -> Kind {
        KIND
    }

    fn name(&self) -> &'static str {
        "cdn"
    }

    fn selector_keys(&self) -> &'static [&'static str] {
        &["id", "name", "name_regex", "older_than", "created_before"]
    }

    fn source(&self) -> &'static Source {
        &SOURCE
    }

    fn owns_billing_category(&self, category: &str) -> bool {
        category.starts_with("cdn") || category.starts_with("content_delivery")
    }

    fn cancel_call(
        &self,
        r: &Resource,
        timing: Timing,
        options: &CancelOptions,
    ) -> Option<ApiCall> {
        cancellation_request(r, timing, options)
    }

    // Cancelled by a cancellation request: voiding the request takes it back.
    fn void_call(&self, r: &Resource) -> Result<ApiCall, String> {
        super::cancel::void_request(r)
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[WorldList {
            key: "cdnAccounts",
            method: "getCdnAccounts",
            root: Some("cdnAccounts"),
            locals: "id,cdnAccountName,accountId,cdnSolutionName,createDate,statusId,cdnAccountNote,\
status[id,name,description]",
            billing_items: &["billingItem"],
            ..WorldList::PLAIN
        }]
    }

    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["cdnAccounts"]
    }
}

fn read(object: &Value, now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(KIND, json::id(object.get("id"))?);
    let name = json::text(object.get("cdnAccountName"));
    r.name = name.clone().unwrap_or_default();
    r.match_names.extend(name);
    r.account_id = json::id(object.get("accountId"));
    r.variant = json::text(object.get("cdnSolutionName"))
        .map_or(super::Variant::Plain, super::Variant::Typed);
    r.created = json::timestamp(object.get("createDate"));
    r.billing = billing_of(object, "billingItem", now);
    Some(r.normalise())
}
