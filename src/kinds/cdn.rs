//! CDN: IBM Cloud CDN Marketplace domain mappings
//! (`SoftLayer_Network_CdnMarketplace_Configuration_Mapping`), as slcli's
//! `cdn` and terraform's `ibm_cdn` retire them: listed with
//! `listDomainMappings`, deleted with `deleteDomainMapping(uniqueId)`,
//! immediately.
//!
//! The legacy CDN accounts the seed's script lists
//! (`SoftLayer_Account::getCdnAccounts`) left the API in 2019, and the
//! mapping service itself is gone from the API's metadata since 2025: where
//! the API answers that the service does not exist, a `cdn` entry says so
//! and selects nothing, instead of failing the run. A CDN billing item that
//! outlived its service is retired with `kind: billing_item`.

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::call;
use super::source::{ListSource, Narrowing, Source};
use super::world::WorldList;
use super::{Kind, ResourceKind, Unbilled, json};
use crate::manifest::model::{CancelOptions, When};
use crate::plan::model::{ApiCall, State, Timing};
use crate::resolve::resource::Resource;

const KIND: Kind = Kind::Cdn;

const SERVICE: &str = "SoftLayer_Network_CdnMarketplace_Configuration_Mapping";

#[derive(Debug)]
pub(crate) struct Cdn;

/// Mapping statuses that mean the deletion is under way.
const DELETING: [&str; 2] = ["DELETING", "DELETED"];

const SOURCE: Source = Source::Lists(&[ListSource {
    object_service: SERVICE,
    service: SERVICE,
    method: "listDomainMappings",
    root: None,
    // The method answers containers, all at once, as slcli reads them.
    mask: "",
    paged: false,
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

    // `id` is the mapping's unique id, `name` its domain (or CNAME).
    fn selector_keys(&self) -> &'static [&'static str] {
        &["id", "name", "name_regex", "older_than", "created_before"]
    }

    fn source(&self) -> &'static Source {
        &SOURCE
    }

    fn not_in_api(&self) -> Option<&'static str> {
        Some(
            "the API has no CDN Marketplace service any more (SoftLayer_Network_CdnMarketplace_Configuration_Mapping: \
             \"Service does not exist\"; legacy CDN accounts left the API in 2019), so this entry selects nothing; \
             retire a CDN billing item that is still billed with `kind: billing_item` and its id",
        )
    }

    fn owns_billing_category(&self, _category: &str) -> bool {
        // Mappings carry no billing item: a CDN item is a raw billing item.
        false
    }

    fn refusal_before_billing(
        &self,
        r: &Resource,
        options: &CancelOptions,
    ) -> Option<(State, String)> {
        if let Some(status) = deleting(r) {
            return Some((State::Scheduled, format!("deletion in progress ({status})")));
        }
        (options.when == When::Anniversary).then(|| {
            (
                State::Blocked,
                "a CDN mapping is deleted, immediately; it has no anniversary".into(),
            )
        })
    }

    // Billed by usage: deleting the mapping ends it.
    fn unbilled(&self, _r: &Resource) -> Unbilled {
        Unbilled::CancelledByItsOwnCall
    }

    fn cancel_call(&self, r: &Resource, timing: Timing, _: &CancelOptions) -> Option<ApiCall> {
        (timing == Timing::Immediate).then(|| {
            call(
                SERVICE,
                None,
                "deleteDomainMapping",
                vec![r.id.to_string().into()],
            )
        })
    }

    fn done(&self, r: &Resource) -> Option<String> {
        deleting(r).map(|s| format!("deletion in progress ({s})"))
    }

    // Cancelled by a cancellation request: voiding the request takes it back.
    fn void_call(&self, r: &Resource) -> Result<ApiCall, String> {
        super::cancel::void_request(r)
    }

    fn world_lists(&self) -> &'static [WorldList] {
        &[WorldList {
            key: "cdnDomainMappings",
            service: SERVICE,
            method: "listDomainMappings",
            locals: "",
            paged: false,
            optional: true,
            ..WorldList::PLAIN
        }]
    }

    // Optional: a snapshot of today's API has no mappings to read.
    fn snapshot_reads(&self) -> &'static [&'static str] {
        &[]
    }
}

fn deleting(r: &Resource) -> Option<&str> {
    r.status.as_deref().filter(|s| DELETING.contains(s))
}

fn read(object: &Value, _now: Timestamp) -> Option<Resource> {
    let mut r = Resource::new(KIND, json::id(object.get("uniqueId"))?);
    let domain = json::text(object.get("domain"));
    r.name = domain.clone().unwrap_or_default();
    r.match_names.extend(domain);
    r.match_names.extend(json::text(object.get("cname")));
    r.created = json::timestamp(object.get("createDate"));
    r.status = json::text(object.get("status"));
    r.hourly = Some(true);
    Some(r.normalise())
}
