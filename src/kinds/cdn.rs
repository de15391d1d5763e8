//! CDN: IBM Cloud CDN Marketplace domain mappings
//! (`SoftLayer_Network_CdnMarketplace_Configuration_Mapping`), as slcli's
//! `cdn` (6.2.5/6.2.6, the last releases whose `cdn` commands call the
//! API) and terraform's `ibm_cdn` retire them: listed with
//! `listDomainMappings` (no mask, no filter, no paging: the method answers
//! every mapping at once), deleted with `deleteDomainMapping(uniqueId)`,
//! immediately. A mapping carries no billing item (the API's metadata gives
//! the container none; CDN usage was billed to the account's CDN
//! Marketplace account), so it is planned like an LBaaS instance: usage
//! billed, ended by its own call.
//!
//! The legacy CDN accounts the seed's script lists
//! (`SoftLayer_Account::getCdnAccounts`) left the API in 2019, and the
//! mapping service itself is gone from the API's metadata since 2025: where
//! the API answers that the service does not exist, a `cdn` entry says so
//! in a warning and selects nothing, instead of failing the run. A CDN
//! billing item that outlived its service is retired with
//! `kind: billing_item`.

use jiff::Timestamp;
use serde_json::Value;

use super::cancel::call;
use super::room::Standing;
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

/// Mapping statuses that mean the deletion is under way (the emulator and
/// softlayer-python's `deleteDomainMapping` fixture answer `DELETING`).
const DELETING: [&str; 2] = ["DELETING", "DELETED"];

/// The warning of a `cdn` entry on an API without the mapping service.
const NOT_IN_API: &str = "cdn: the CDN Marketplace has left the SoftLayer API (it answers that \
SoftLayer_Network_CdnMarketplace_Configuration_Mapping does not exist), so this entry selects \
nothing; retire a CDN billing item still on the account with `kind: billing_item` and its id";

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
        Some(NOT_IN_API)
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

    // As slcli's `cdn delete UNIQUE_ID` sends it: no init id, the
    // uniqueId string as read as the one parameter.
    fn cancel_call(&self, r: &Resource, timing: Timing, _: &CancelOptions) -> Option<ApiCall> {
        let unique_id = r.uuid.clone()?;
        (timing == Timing::Immediate)
            .then(|| call(SERVICE, None, "deleteDomainMapping", vec![unique_id.into()]))
    }

    fn done(&self, r: &Resource) -> Option<String> {
        deleting(r).map(|s| format!("deletion in progress ({s})"))
    }

    fn standing(&self, r: &Resource) -> Standing {
        match deleting(r) {
            Some(status) => Standing::Pending(None, format!("deletion in progress ({status})")),
            None => Standing::Active,
        }
    }

    fn void_call(&self, _r: &Resource) -> Result<ApiCall, String> {
        Err("a CDN mapping deletion cannot be taken back".into())
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

    fn snapshot_reads(&self) -> &'static [&'static str] {
        &["cdnDomainMappings"]
    }
}

fn deleting(r: &Resource) -> Option<&str> {
    r.status.as_deref().filter(|s| DELETING.contains(s))
}

/// A mapping has no `id`: its `uniqueId` (a string of digits) is its id in
/// plans and manifests, and is kept as written for the delete call.
fn read(object: &Value, _now: Timestamp) -> Option<Resource> {
    let unique_id = json::text(object.get("uniqueId"))?;
    let mut r = Resource::new(KIND, json::id(object.get("uniqueId"))?);
    let domain = json::text(object.get("domain"));
    let cname = json::text(object.get("cname"));
    r.name = domain.clone().or_else(|| cname.clone()).unwrap_or_default();
    r.match_names.extend(domain);
    r.match_names.extend(cname);
    r.uuid = Some(unique_id);
    r.created = json::timestamp(object.get("createDate"));
    r.status = json::text(object.get("status"));
    // Billed by usage; the mapping exposes no billing item.
    r.hourly = Some(true);
    Some(r.normalise())
}
