//! What the emulated API has: today's metadata (`metadata`), plus the CDN
//! Marketplace mapping service for a world that lists CDN domain mappings.
//!
//! `SoftLayer_Network_CdnMarketplace_Configuration_Mapping` and its types
//! are in the API's 2024-06 metadata and gone from the 2025-08 one (the
//! CDN endpoints were removed in 2025). A world with a `cdnDomainMappings`
//! list describes an account from before that removal and is served with
//! the service as the 2024-06 metadata has it; a world without the list is
//! served as today's API, which answers the service with its 404
//! ("Service does not exist"). The legacy CDN accounts
//! (`SoftLayer_Account::getCdnAccounts`, removed in 2019, softlayer-go
//! ba6e7f2) are served to no world: an old world's `cdnAccounts` become
//! top-level billing items when it loads.

use crate::metadata::{self, Method, Property, Schema, as_of_2024_06};
use crate::state::{Kind, State};
use crate::types::names;

/// The CDN Marketplace types the emulator serves a world with mappings,
/// which today's metadata lacks.
pub(crate) const CDN_TYPES: [&str; 2] = [names::CDN_MAPPING, names::CDN_ACCELERATION];

/// The API one world is served as.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApiSchema {
    /// The world lists `cdnDomainMappings`: the mapping service is served.
    cdn_mappings: bool,
}

/// Why a call names nothing the API has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    Service,
    Method,
}

impl ApiSchema {
    pub(crate) fn of(st: &State) -> ApiSchema {
        ApiSchema {
            cdn_mappings: !st.unread.contains(&Kind::Cdn),
        }
    }

    fn cdn_type(&self, name: &str) -> bool {
        self.cdn_mappings && CDN_TYPES.contains(&name)
    }

    /// The method `method` of `service`, as this API has it.
    pub(crate) fn method(&self, service: &str, method: &str) -> Result<Method, Missing> {
        if self.cdn_mappings && service == names::CDN_SERVICE {
            return as_of_2024_06::method(service, method).ok_or(Missing::Method);
        }
        if !metadata::service_exists(service) {
            return Err(Missing::Service);
        }
        metadata::method(service, method).ok_or(Missing::Method)
    }
}

impl Schema for ApiSchema {
    fn type_exists(&self, name: &str) -> bool {
        self.cdn_type(name) || metadata::type_exists(name)
    }

    fn property(&self, type_name: &str, name: &str) -> Option<Property> {
        if self.cdn_type(type_name) {
            return as_of_2024_06::property(type_name, name);
        }
        metadata::property(type_name, name)
    }

    fn is_a(&self, type_name: &str, ancestor: &str) -> bool {
        type_name == ancestor || metadata::is_a(type_name, ancestor)
    }
}
