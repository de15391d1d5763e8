//! What the emulated API has: today's metadata (`metadata`), plus the
//! legacy CDN accounts of a world that writes them.
//!
//! `SoftLayer_Account::getCdnAccounts` and the
//! `SoftLayer_Network_ContentDelivery_Account` service left the API in 2019
//! (softlayer-go ba6e7f2, "Swift CDN has been removed from the API"), so
//! they are in neither metadata table. A world file with a `cdnAccounts`
//! list describes an account from before that removal and is served with
//! them (their types from the emulator's own table); a world without the
//! list is served as today's API, which answers both with its 404s.

use crate::metadata::{self, Method, Property, Schema};
use crate::state::{Kind, State};
use crate::types::{self, Card, PropDef, TypeDef, names};

/// The legacy CDN entries, which the metadata lacks.
pub(crate) const LEGACY_TYPES: [&str; 2] = [names::CDN, names::CDN_STATUS];
/// The Account property of the legacy CDN list.
pub(crate) const LEGACY_ACCOUNT_PROPERTY: &str = "cdnAccounts";

/// The API one world is served as.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApiSchema {
    /// The world writes `cdnAccounts`: the legacy CDN is served.
    legacy_cdn: bool,
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
            legacy_cdn: !st.unread.contains(&Kind::Cdn),
        }
    }

    fn legacy_type(&self, name: &str) -> Option<&'static TypeDef> {
        (self.legacy_cdn && LEGACY_TYPES.contains(&name)).then(|| types::known(name))
    }

    /// The method `method` of `service`, as this API has it.
    pub(crate) fn method(&self, service: &str, method: &str) -> Result<Method, Missing> {
        if let Some(ty) = self.legacy_type(service) {
            return legacy_method(ty, method).ok_or(Missing::Method);
        }
        if self.legacy_cdn && service == names::ACCOUNT && method == "getCdnAccounts" {
            return Ok(Method {
                returns: names::CDN,
                list: true,
            });
        }
        if !metadata::service_exists(service) {
            return Err(Missing::Service);
        }
        metadata::method(service, method).ok_or(Missing::Method)
    }
}

/// `getObject` and the `get<Relation>` methods of a legacy type.
fn legacy_method(ty: &'static TypeDef, method: &str) -> Option<Method> {
    if method == "getObject" {
        return Some(Method {
            returns: ty.name,
            list: false,
        });
    }
    let rest = method.strip_prefix("get")?;
    let mut chars = rest.chars();
    let first = chars.next()?;
    let name = format!("{}{}", first.to_ascii_lowercase(), chars.as_str());
    let prop = legacy_property(ty, &name)?;
    Some(Method {
        returns: prop.type_name,
        list: prop.list,
    })
}

/// A property of a legacy type, from the emulator's own table.
fn legacy_property(ty: &'static TypeDef, name: &str) -> Option<Property> {
    Some(match ty.prop(name)? {
        PropDef::Local(kind, _) => Property {
            type_name: kind.metadata_type(),
            list: false,
            relational: false,
        },
        PropDef::Rel(rel) => match rel.card {
            Card::Scalar(kind) => Property {
                type_name: kind.metadata_type(),
                list: false,
                relational: false,
            },
            Card::One | Card::Many => Property {
                type_name: rel.target,
                list: rel.card == Card::Many,
                relational: true,
            },
        },
    })
}

impl Schema for ApiSchema {
    fn type_exists(&self, name: &str) -> bool {
        self.legacy_type(name).is_some() || metadata::type_exists(name)
    }

    fn property(&self, type_name: &str, name: &str) -> Option<Property> {
        if let Some(ty) = self.legacy_type(type_name) {
            return legacy_property(ty, name);
        }
        if self.legacy_cdn && type_name == names::ACCOUNT && name == LEGACY_ACCOUNT_PROPERTY {
            return Some(Property {
                type_name: names::CDN,
                list: true,
                relational: true,
            });
        }
        metadata::property(type_name, name)
    }

    fn is_a(&self, type_name: &str, ancestor: &str) -> bool {
        type_name == ancestor || metadata::is_a(type_name, ancestor)
    }
}
