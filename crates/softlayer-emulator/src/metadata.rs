//! The SoftLayer API's own metadata, and a checker of requests against it.
//!
//! The tables (`metadata/softlayer-types.json`, `metadata/softlayer-services.json`
//! in this crate) were extracted from softlayer-go's generated code at
//! 423a0278 (2025-08 metadata of the live API); entries the 2024-06 metadata
//! (3319f58) had and 2025-08 lacks are kept there marked `removed_after`.
//! This module answers for **today's** API: a removed entry does not exist
//! (problems name it as removed, to say why). The tables are parsed once,
//! on first use.
//!
//! ```
//! use softlayer_emulator::metadata;
//!
//! assert!(metadata::service_exists("SoftLayer_Account"));
//! let m = metadata::method("SoftLayer_Account", "getHardware").unwrap();
//! assert_eq!((m.returns, m.list), ("SoftLayer_Hardware", true));
//! assert!(metadata::property("SoftLayer_Hardware", "activeTransaction").is_none());
//! assert!(metadata::property("SoftLayer_Hardware_Server", "activeTransaction").is_some());
//!
//! let problems = metadata::check_request(
//!     "SoftLayer_Account",
//!     "getHardware",
//!     Some("mask[id,activeTransaction]"),
//!     None,
//! );
//! assert_eq!(problems.len(), 1);
//! assert_eq!(problems[0].path, "objectMask.activeTransaction");
//! let cast = "mask[id];mask(SoftLayer_Hardware_Server)[activeTransaction]";
//! assert!(metadata::check_request("SoftLayer_Account", "getHardware", Some(cast), None).is_empty());
//! ```
//!
//! What the checker reads as SoftLayer does:
//! - **objectMask**: every property at every depth must exist on the type
//!   of its level (own or inherited through the `base` chain): the method's
//!   return type at the root, a relational property's type below it. A cast
//!   (`mask(SoftLayer_X)[...]` at the root, `prop(SoftLayer_X)[...]` below)
//!   switches the type for the items it covers; it must name an existing
//!   type related to the level's type. Selecting sub-properties of a scalar
//!   is wrong.
//! - **objectFilter**: on a `get<Property>` method of a service (for example
//!   `SoftLayer_Account::getVirtualGuests`) the filter starts with that
//!   property's name (`{"virtualGuests": {...}}`); on other methods with the
//!   return type's properties. Below that, keys are properties of the
//!   current type, followed through relational properties; a condition is
//!   an object of `operation` and/or `options` (a list of `{"name", "value"}`).

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use crate::mask::{Mask, ObjectMask};

const TYPES_JSON: &str = include_str!("../metadata/softlayer-types.json");
const SERVICES_JSON: &str = include_str!("../metadata/softlayer-services.json");

/// A property of a datatype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Property {
    /// A scalar (`string`, `int`, `decimal`, `boolean`, `dateTime`,
    /// `base64Binary`, `any`) or another datatype's name.
    pub type_name: &'static str,
    /// An array of `type_name`.
    pub list: bool,
    /// The value is another datatype (object or list of objects).
    pub relational: bool,
}

/// A method of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    /// The returned datatype or scalar (`boolean`, `string`, `void`...).
    pub returns: &'static str,
    /// Returns an array of `returns`.
    pub list: bool,
}

/// One thing wrong with a request, as the real API would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The service of the request (`SoftLayer_Account`).
    pub service: String,
    /// The method of the request (`getHardware`).
    pub method: String,
    /// Where: empty for the service or method itself, else `objectMask...`
    /// or `objectFilter...` followed by the property path
    /// (`objectMask.billingItem.foo`; a cast shows as
    /// `objectMask(SoftLayer_Hardware_Server).activeTransaction`).
    pub path: String,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.service, self.method)?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Does service `service` exist in today's API?
pub fn service_exists(service: &str) -> bool {
    tables().services.get(service).is_some_and(|s| !s.removed)
}

/// Method `method` of `service` in today's API.
pub fn method(service: &str, method: &str) -> Option<Method> {
    let s = tables().services.get(service).filter(|s| !s.removed)?;
    let m = s.methods.get(method).filter(|m| !m.removed)?;
    Some(Method {
        returns: &m.returns,
        list: m.list,
    })
}

/// Does datatype `type_name` exist in today's API?
pub fn type_exists(type_name: &str) -> bool {
    today_type(type_name).is_some()
}

/// Property `property` of `type_name`, its own or inherited through the
/// base chain, in today's API.
pub fn property(type_name: &str, property: &str) -> Option<Property> {
    let mut ty = Some(type_name);
    while let Some(name) = ty {
        let t = today_type(name)?;
        if let Some(p) = t.properties.get(property) {
            return (!p.removed).then(|| p.public());
        }
        ty = t.base.as_deref();
    }
    None
}

/// Is `type_name` the datatype `ancestor` or derived from it?
pub fn is_a(type_name: &str, ancestor: &str) -> bool {
    let mut ty = Some(type_name);
    while let Some(name) = ty {
        if name == ancestor {
            return true;
        }
        ty = tables().types.get(name).and_then(|t| t.base.as_deref());
    }
    false
}

/// The API as its 2024-06 metadata (3319f58) described it: today's plus
/// the entries removed since. The emulator serves a removed service from
/// here only to a world that describes an account from before its removal
/// (the CDN Marketplace mappings, `crate::api_schema`).
pub(crate) mod as_of_2024_06 {
    use super::{Method, Property, tables};

    /// Method `method` of `service`, removed since or not.
    pub(crate) fn method(service: &str, method: &str) -> Option<Method> {
        let m = tables().services.get(service)?.methods.get(method)?;
        Some(Method {
            returns: &m.returns,
            list: m.list,
        })
    }

    /// Does datatype `type_name` exist, removed since or not?
    #[cfg(test)]
    pub(crate) fn type_exists(type_name: &str) -> bool {
        tables().types.contains_key(type_name)
    }

    /// Property `property` of `type_name` (own or inherited), removed
    /// since or not.
    pub(crate) fn property(type_name: &str, property: &str) -> Option<Property> {
        let mut ty = Some(type_name);
        while let Some(name) = ty {
            let t = tables().types.get(name)?;
            if let Some(p) = t.properties.get(property) {
                return Some(p.public());
            }
            ty = t.base.as_deref();
        }
        None
    }
}

/// Checks one request against today's API: the service, the method, every
/// objectMask property at every depth (casts honoured) and every
/// objectFilter key. Empty when the real API would accept all of it.
pub fn check_request(
    service: &str,
    method_name: &str,
    object_mask: Option<&str>,
    object_filter: Option<&Value>,
) -> Vec<Problem> {
    let problem = |path: String, message: String| Problem {
        service: service.to_owned(),
        method: method_name.to_owned(),
        path,
        message,
    };
    let t = tables();
    let Some(svc) = t.services.get(service).filter(|s| !s.removed) else {
        let message = if t.services.contains_key(service) {
            format!("service {service} was removed from the API ({REMOVED})")
        } else {
            format!("service {service} does not exist")
        };
        return vec![problem(String::new(), message)];
    };
    let Some(m) = method(service, method_name) else {
        let message = if svc.methods.contains_key(method_name) {
            format!("method {method_name} was removed from {service} ({REMOVED})")
        } else {
            format!("{service} has no method {method_name}")
        };
        return vec![problem(String::new(), message)];
    };
    let returned = type_exists(m.returns).then_some(m.returns);
    let mut out = Vec::new();
    if let Some(text) = object_mask.filter(|t| !t.trim().is_empty()) {
        match (ObjectMask::parse(text), returned) {
            (Err(e), _) => out.push(problem("objectMask".into(), e.message().to_owned())),
            (Ok(_), None) => out.push(problem(
                "objectMask".into(),
                format!(
                    "the method returns '{}', which has no properties to select",
                    m.returns
                ),
            )),
            (Ok(mask), Some(ty)) => {
                for p in check_mask(&Today, &mask, ty) {
                    out.push(problem(p.path, p.fault.to_string()));
                }
            }
        }
    }
    if let Some(filter) = object_filter {
        for (path, message) in check_filter(service, method_name, returned, filter) {
            out.push(problem(path, message));
        }
    }
    out
}

const REMOVED: &str = "in the 2024-06 metadata, absent from the 2025-08 metadata";

// ---------------------------------------------------------------------------
// Checking masks (shared with the emulator, which adds removed types).

/// Where the checker looks types up: today's metadata, or the emulator's
/// view of it (today's metadata plus the removed CDN Marketplace types a
/// world can opt into).
pub(crate) trait Schema {
    fn type_exists(&self, name: &str) -> bool;
    fn property(&self, type_name: &str, property: &str) -> Option<Property>;
    fn is_a(&self, type_name: &str, ancestor: &str) -> bool;
}

/// Today's API, as the metadata tables describe it.
pub(crate) struct Today;

impl Schema for Today {
    fn type_exists(&self, name: &str) -> bool {
        type_exists(name)
    }
    fn property(&self, type_name: &str, name: &str) -> Option<Property> {
        property(type_name, name)
    }
    fn is_a(&self, type_name: &str, ancestor: &str) -> bool {
        is_a(type_name, ancestor)
    }
}

/// What is wrong with one mask item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The property is not on the type (own or inherited).
    UnknownProperty { property: String, on: String },
    /// A cast names a datatype that does not exist.
    UnknownType { name: String },
    /// A cast to a type that is neither a subtype nor a base of the level.
    UnrelatedCast { cast: String, on: String },
    /// Sub-properties selected on a scalar property.
    NotAnObject {
        property: String,
        on: String,
        scalar: String,
    },
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::UnknownProperty { property, on } => {
                write!(f, "'{property}' is not a property of {on}")?;
                let holders = subtypes_with(on, property);
                if let Some(first) = holders.first() {
                    write!(
                        f,
                        " ({} {} it: select it through a cast, mask({first})[{property}])",
                        holders.join(", "),
                        if holders.len() == 1 { "has" } else { "have" }
                    )?;
                }
                Ok(())
            }
            Fault::UnknownType { name } => write!(f, "cast to {name}, which is not a datatype"),
            Fault::UnrelatedCast { cast, on } => write!(
                f,
                "cast to {cast}, which is neither a subtype nor a base type of {on}"
            ),
            Fault::NotAnObject {
                property,
                on,
                scalar,
            } => write!(
                f,
                "'{property}' of {on} is a {scalar}, which has no properties to select"
            ),
        }
    }
}

/// One fault and where it is (`objectMask.a.b`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MaskProblem {
    pub(crate) path: String,
    pub(crate) fault: Fault,
}

/// Every fault of `mask` read on the datatype `ty`, in mask order.
pub(crate) fn check_mask(schema: &dyn Schema, mask: &ObjectMask, ty: &str) -> Vec<MaskProblem> {
    let mut out = Vec::new();
    check_level(schema, &mask.root, ty, "objectMask", &mut out);
    out
}

fn check_level(
    schema: &dyn Schema,
    level: &Mask,
    ty: &str,
    path: &str,
    out: &mut Vec<MaskProblem>,
) {
    for item in &level.items {
        let (on, here) = match &item.guard {
            None => (ty, format!("{path}.{}", item.name)),
            Some(cast) => {
                let here = format!("{path}({cast}).{}", item.name);
                if !schema.type_exists(cast) {
                    out.push(MaskProblem {
                        path: here,
                        fault: Fault::UnknownType { name: cast.clone() },
                    });
                    continue;
                }
                if !schema.is_a(cast, ty) && !schema.is_a(ty, cast) {
                    out.push(MaskProblem {
                        path: here.clone(),
                        fault: Fault::UnrelatedCast {
                            cast: cast.clone(),
                            on: ty.to_owned(),
                        },
                    });
                }
                (cast.as_str(), here)
            }
        };
        let Some(prop) = schema.property(on, &item.name) else {
            out.push(MaskProblem {
                path: here,
                fault: Fault::UnknownProperty {
                    property: item.name.clone(),
                    on: on.to_owned(),
                },
            });
            continue;
        };
        if let Some(sub) = &item.sub {
            if prop.relational {
                check_level(schema, sub, prop.type_name, &here, out);
            } else if !sub.items.is_empty() {
                out.push(MaskProblem {
                    path: here,
                    fault: Fault::NotAnObject {
                        property: item.name.clone(),
                        on: on.to_owned(),
                        scalar: prop.type_name.to_owned(),
                    },
                });
            }
        }
    }
}

/// Today's types derived from `ty` that declare `property` themselves.
fn subtypes_with(ty: &str, property: &str) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = tables()
        .types
        .iter()
        .filter(|(name, t)| {
            !t.removed
                && name.as_str() != ty
                && t.properties.get(property).is_some_and(|p| !p.removed)
                && is_a(name, ty)
        })
        .map(|(name, _)| name.as_str())
        .collect();
    found.sort_unstable();
    found.truncate(3);
    found
}

// ---------------------------------------------------------------------------
// Checking filters.

/// Keys of a filter condition.
const CONDITION_KEYS: [&str; 2] = ["operation", "options"];

/// Most nesting of a filter the checker follows (the emulator refuses
/// deeper ones before reading them).
const MAX_FILTER_DEPTH: usize = 64;

fn check_filter(
    service: &str,
    method_name: &str,
    returned: Option<&'static str>,
    filter: &Value,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(top) = filter.as_object() else {
        out.push((
            "objectFilter".into(),
            "an objectFilter must be a JSON object".into(),
        ));
        return out;
    };
    // `getVirtualGuests` on SoftLayer_Account: `{"virtualGuests": {...}}`.
    let getter = method_name.strip_prefix("get").and_then(|rest| {
        let mut chars = rest.chars();
        let first = chars.next()?;
        let name = format!("{}{}", first.to_ascii_lowercase(), chars.as_str());
        let p = property(service, &name).filter(|p| p.relational)?;
        Some((name, p))
    });
    match (getter, returned) {
        (Some((root, p)), _) => {
            for (key, value) in top {
                if *key == root {
                    check_node(
                        value,
                        p.type_name,
                        &format!("objectFilter.{key}"),
                        1,
                        &mut out,
                    );
                } else {
                    out.push((
                        format!("objectFilter.{key}"),
                        format!(
                            "a filter of {service}::{method_name} starts with '{root}' (the property the method reads)"
                        ),
                    ));
                }
            }
        }
        (None, Some(ty)) => check_properties(top, ty, "objectFilter", 1, &mut out),
        (None, None) => out.push((
            "objectFilter".into(),
            "the method returns no datatype, so there is nothing to filter".into(),
        )),
    }
    out
}

/// A filter node below a property of type `ty`: a condition, properties of
/// `ty` (when it is a datatype), or both.
fn check_node(node: &Value, ty: &str, path: &str, depth: usize, out: &mut Vec<(String, String)>) {
    let Some(map) = node.as_object() else {
        out.push((
            path.to_owned(),
            "expected an object (a condition or property names)".into(),
        ));
        return;
    };
    if depth > MAX_FILTER_DEPTH {
        out.push((
            path.to_owned(),
            format!("nested more than {MAX_FILTER_DEPTH} levels deep"),
        ));
        return;
    }
    let (condition, rest): (Vec<_>, Vec<_>) = map
        .iter()
        .partition(|(k, _)| CONDITION_KEYS.contains(&k.as_str()));
    for (key, value) in condition {
        check_condition(key, value, &format!("{path}.{key}"), out);
    }
    if rest.is_empty() {
        return;
    }
    if !type_exists(ty) {
        for (key, _) in rest {
            out.push((
                format!("{path}.{key}"),
                format!("the value is a {ty}, which has no properties to filter on"),
            ));
        }
        return;
    }
    let rest: serde_json::Map<String, Value> = rest
        .into_iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    check_properties(&rest, ty, path, depth, out);
}

fn check_properties(
    map: &serde_json::Map<String, Value>,
    ty: &str,
    path: &str,
    depth: usize,
    out: &mut Vec<(String, String)>,
) {
    for (key, value) in map {
        let here = format!("{path}.{key}");
        match property(ty, key) {
            Some(p) => check_node(value, p.type_name, &here, depth + 1, out),
            None if CONDITION_KEYS.contains(&key.as_str()) => out.push((
                here,
                format!("a condition needs a property to apply to; {ty} itself cannot be compared"),
            )),
            None => out.push((here, format!("'{key}' is not a property of {ty}"))),
        }
    }
}

fn check_condition(key: &str, value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    if key == "operation" {
        if !(value.is_string() || value.is_number()) {
            out.push((
                path.to_owned(),
                "an operation is a string (or a number to compare with)".into(),
            ));
        }
    } else {
        let Some(options) = value.as_array() else {
            out.push((
                path.to_owned(),
                "options is a list of {\"name\", \"value\"} objects".into(),
            ));
            return;
        };
        for (i, option) in options.iter().enumerate() {
            let fine = option
                .as_object()
                .is_some_and(|o| o.keys().all(|k| k == "name" || k == "value"));
            if !fine {
                out.push((
                    format!("{path}[{i}]"),
                    "an option is an object of \"name\" and \"value\"".into(),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The tables.

struct Tables {
    types: HashMap<String, TypeEntry>,
    services: HashMap<String, ServiceEntry>,
}

#[derive(Deserialize)]
struct TypeEntry {
    base: Option<String>,
    #[serde(default)]
    properties: HashMap<String, PropertyEntry>,
    #[serde(rename = "removed_after", default, deserialize_with = "removed")]
    removed: bool,
}

#[derive(Deserialize)]
struct PropertyEntry {
    #[serde(rename = "type")]
    type_name: String,
    #[serde(default)]
    list: bool,
    #[serde(default)]
    relational: bool,
    #[serde(rename = "removed_after", default, deserialize_with = "removed")]
    removed: bool,
}

#[derive(Deserialize)]
struct MethodEntry {
    returns: String,
    #[serde(default)]
    list: bool,
    #[serde(rename = "removed_after", default, deserialize_with = "removed")]
    removed: bool,
}

struct ServiceEntry {
    methods: HashMap<String, MethodEntry>,
    removed: bool,
}

impl<'de> Deserialize<'de> for ServiceEntry {
    /// A service's methods by name; its own `removed_after` marker sits
    /// among them, as a string.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = ServiceEntry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of methods")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ServiceEntry, A::Error> {
                let mut entry = ServiceEntry {
                    methods: HashMap::new(),
                    removed: false,
                };
                while let Some(key) = map.next_key::<String>()? {
                    if key == "removed_after" {
                        map.next_value::<String>()?;
                        entry.removed = true;
                    } else {
                        let method = map.next_value::<MethodEntry>()?;
                        entry.methods.insert(key, method);
                    }
                }
                Ok(entry)
            }
        }
        d.deserialize_map(Entries)
    }
}

/// `removed_after: "<commit>"` read as "removed".
fn removed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<String>::deserialize(d)?.is_some())
}

impl PropertyEntry {
    fn public(&'static self) -> Property {
        Property {
            type_name: &self.type_name,
            list: self.list,
            relational: self.relational,
        }
    }
}

fn today_type(name: &str) -> Option<&'static TypeEntry> {
    tables().types.get(name).filter(|t| !t.removed)
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        #[derive(Deserialize)]
        struct TypesFile {
            types: HashMap<String, TypeEntry>,
        }
        #[derive(Deserialize)]
        struct ServicesFile {
            services: HashMap<String, ServiceEntry>,
        }
        // The tables are part of this crate's source: a parse failure is a
        // build defect, caught by every test that touches them.
        let types: TypesFile =
            serde_json::from_str(TYPES_JSON).expect("metadata/softlayer-types.json parses");
        let services: ServicesFile =
            serde_json::from_str(SERVICES_JSON).expect("metadata/softlayer-services.json parses");
        Tables {
            types: types.types,
            services: services.services,
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problems(service: &str, method: &str, mask: &str) -> Vec<Problem> {
        check_request(service, method, Some(mask), None)
    }

    fn paths(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.path.as_str()).collect()
    }

    /// Lookups answer for today's API: removed entries do not exist,
    /// properties are inherited through the base chain.
    #[test]
    fn lookups_follow_todays_api() {
        assert!(service_exists("SoftLayer_Account"));
        assert!(!service_exists("SoftLayer_Nope"));
        // In the 2024-06 metadata, gone by 2025-08.
        assert!(!service_exists(
            "SoftLayer_Network_CdnMarketplace_Configuration_Mapping"
        ));
        assert_eq!(
            method("SoftLayer_Account", "getAdcLoadBalancers"),
            Some(Method {
                returns: "SoftLayer_Network_Application_Delivery_Controller_LoadBalancer_VirtualIpAddress",
                list: true
            })
        );
        assert_eq!(method("SoftLayer_Account", "getCdnAccounts"), None);
        assert_eq!(
            method("SoftLayer_Billing_Item", "cancelItem").map(|m| m.returns),
            Some("boolean")
        );
        assert!(type_exists("SoftLayer_Hardware_Server"));
        assert!(property("SoftLayer_Network_Vlan", "createDate").is_none());
        assert!(property("SoftLayer_Virtual_Guest_Status", "id").is_none());
        assert!(property("SoftLayer_Virtual_Guest_Status", "keyName").is_some());
        // Inherited from SoftLayer_Hardware.
        assert_eq!(
            property("SoftLayer_Hardware_Server", "networkVlans"),
            Some(Property {
                type_name: "SoftLayer_Network_Vlan",
                list: true,
                relational: true
            })
        );
        assert_eq!(
            property("SoftLayer_Hardware_Server", "hostname"),
            Some(Property {
                type_name: "string",
                list: false,
                relational: false
            })
        );
        assert!(is_a("SoftLayer_Hardware_Server", "SoftLayer_Hardware"));
        assert!(!is_a("SoftLayer_Hardware", "SoftLayer_Hardware_Server"));
    }

    /// Masks as slretire and slcli send them pass, casts and root forms
    /// inside brackets included.
    #[test]
    fn correct_masks_pass() {
        for (service, method, mask) in [
            (
                "SoftLayer_Account",
                "getVirtualGuests",
                "mask[id,hostname,createDate,datacenter[name],tagReferences[tag[name]],\
                 billingItem[id,recurringFee,children[id,recurringFee],activeCancellationItem[id]],\
                 networkVlans[id,vlanNumber],status[keyName,name]]",
            ),
            (
                "SoftLayer_Account",
                "getHardware",
                "mask[id,hostname,billingItem[id]];mask(SoftLayer_Hardware_Server)[activeTransaction[id],openCancellationTicket[id]]",
            ),
            (
                "SoftLayer_Account",
                "getHardware",
                "[mask[id, hostname], mask(SoftLayer_Hardware_Server)[activeTransaction[id, transactionStatus[friendlyName,name]]]]",
            ),
            (
                "SoftLayer_Account",
                "getAdcLoadBalancers",
                "mask[id,notes,dedicatedFlag,ipAddress[ipAddress],billingItem[id]]",
            ),
            (
                "SoftLayer_Account",
                "getAllTopLevelBillingItems",
                "mask[id,categoryCode];mask(SoftLayer_Billing_Item_Virtual_Guest)[resourceTableId]",
            ),
            (
                "SoftLayer_Virtual_Guest",
                "getObject",
                "mask.billingItem.children.categoryCode",
            ),
            ("SoftLayer_Account", "getObject", "id,companyName"),
        ] {
            let found = problems(service, method, mask);
            assert!(found.is_empty(), "{service}::{method} {mask}: {found:?}");
        }
    }

    /// The requests of issue 13 are flagged where the real API refuses
    /// them, each at its path; the cast fixes the hardware one.
    #[test]
    fn wrong_masks_are_flagged() {
        let vip = "SoftLayer_Network_Application_Delivery_Controller_LoadBalancer_VirtualIpAddress";
        let found = problems("SoftLayer_Account", "getAdcLoadBalancers", "mask[id,name]");
        assert_eq!(paths(&found), ["objectMask.name"]);
        assert_eq!(
            found[0].message,
            format!("'name' is not a property of {vip}")
        );
        assert_eq!(
            found[0].to_string(),
            format!(
                "SoftLayer_Account::getAdcLoadBalancers objectMask.name: 'name' is not a property of {vip}"
            )
        );

        let found = problems(
            "SoftLayer_Account",
            "getHardware",
            "mask[id,activeTransaction[id],openCancellationTicket]",
        );
        assert_eq!(
            paths(&found),
            [
                "objectMask.activeTransaction",
                "objectMask.openCancellationTicket"
            ]
        );
        assert!(
            found[0].message.contains(
                "SoftLayer_Hardware_Server has it: select it through a cast, \
                 mask(SoftLayer_Hardware_Server)[activeTransaction]"
            ),
            "{}",
            found[0].message
        );
        let cast = "mask[id];mask(SoftLayer_Hardware_Server)[activeTransaction[id],openCancellationTicket]";
        assert!(problems("SoftLayer_Account", "getHardware", cast).is_empty());

        // At depth, and a cast at depth.
        let found = problems(
            "SoftLayer_Account",
            "getVirtualGuests",
            "mask[id,networkVlans[id,createDate],status[id,name]]",
        );
        assert_eq!(
            paths(&found),
            ["objectMask.networkVlans.createDate", "objectMask.status.id"]
        );
        let found = problems(
            "SoftLayer_Account",
            "getAllTopLevelBillingItems",
            "mask[id,children[resourceTableId]]",
        );
        assert_eq!(paths(&found), ["objectMask.children.resourceTableId"]);
        let found = problems(
            "SoftLayer_Account",
            "getAllTopLevelBillingItems",
            "mask[id,children(SoftLayer_Billing_Item_Hardware)[resourceTableId, nope]]",
        );
        assert_eq!(
            paths(&found),
            ["objectMask.children(SoftLayer_Billing_Item_Hardware).nope"]
        );
    }

    /// Casts to unknown or unrelated types, sub-selections of scalars and
    /// syntax errors are problems too.
    #[test]
    fn bad_casts_scalars_and_syntax_are_flagged() {
        let found = problems(
            "SoftLayer_Account",
            "getHardware",
            "mask(SoftLayer_Hardware_Serverr)[id]",
        );
        assert_eq!(
            found[0].message,
            "cast to SoftLayer_Hardware_Serverr, which is not a datatype"
        );
        let found = problems(
            "SoftLayer_Account",
            "getHardware",
            "mask(SoftLayer_Network_Vlan)[id]",
        );
        assert_eq!(
            found[0].message,
            "cast to SoftLayer_Network_Vlan, which is neither a subtype nor a base type of SoftLayer_Hardware"
        );
        let found = problems("SoftLayer_Account", "getHardware", "mask[hostname[id]]");
        assert_eq!(
            found[0].message,
            "'hostname' of SoftLayer_Hardware is a string, which has no properties to select"
        );
        let found = problems("SoftLayer_Account", "getHardware", "mask[id,]");
        assert_eq!(
            (found[0].path.as_str(), found[0].message.as_str()),
            (
                "objectMask",
                "Error on line 1 at column 9: Expected PROPERTY, got ']'"
            )
        );
        let found = problems("SoftLayer_Billing_Item", "cancelItem", "mask[id]");
        assert_eq!(
            found[0].message,
            "the method returns 'boolean', which has no properties to select"
        );
    }

    /// Unknown and removed services and methods are named as such.
    #[test]
    fn services_and_methods_are_checked() {
        let one = |s: &str, m: &str| {
            let found = check_request(s, m, None, None);
            assert_eq!(found.len(), 1, "{found:?}");
            found[0].message.clone()
        };
        assert_eq!(
            one("SoftLayer_Account", "getCdnAccounts"),
            "SoftLayer_Account has no method getCdnAccounts"
        );
        assert_eq!(
            one("SoftLayer_Network_ContentDelivery_Account", "getObject"),
            "service SoftLayer_Network_ContentDelivery_Account does not exist"
        );
        assert_eq!(
            one(
                "SoftLayer_Network_CdnMarketplace_Configuration_Mapping",
                "listDomainMappings"
            ),
            "service SoftLayer_Network_CdnMarketplace_Configuration_Mapping was removed from the API \
             (in the 2024-06 metadata, absent from the 2025-08 metadata)"
        );
        assert!(one("SoftLayer_Account", "getLegacyBandwidthAllotments").contains("was removed"));
        assert!(check_request("SoftLayer_Billing_Item", "cancelService", None, None).is_empty());
    }

    /// Filters start with the property a getter reads, then follow
    /// relational properties down to conditions.
    #[test]
    fn filters_are_checked_key_by_key() {
        let check = |method: &str, filter: Value| {
            check_request("SoftLayer_Account", method, None, Some(&filter))
        };
        let good = json!({"virtualGuests": {
            "id": {"operation": "in", "options": [{"name": "data", "value": [1, 2]}]},
            "hostname": {"operation": "~ ci-"},
            "createDate": {"operation": "lessThanDate", "options": [{"name": "date", "value": ["01/01/2026"]}]},
            "tagReferences": {"tag": {"name": {"operation": "in", "options": [{"name": "data", "value": ["x"]}]}}},
            "billingItem": {"id": {"operation": "not null"}, "orderItem": {"order": {"userRecord": {"username": {"operation": "_= a"}}}}},
            "datacenter": {"name": {"operation": "dal13"}}
        }});
        assert_eq!(check("getVirtualGuests", good), []);
        let found = check(
            "getVirtualGuests",
            json!({"virtualGuests": {"hostnme": {"operation": "x"}, "status": {"id": {"operation": 1}}}}),
        );
        assert_eq!(
            paths(&found),
            [
                "objectFilter.virtualGuests.hostnme",
                "objectFilter.virtualGuests.status.id"
            ]
        );
        assert_eq!(
            found[0].message,
            "'hostnme' is not a property of SoftLayer_Virtual_Guest"
        );
        let found = check(
            "getVirtualGuests",
            json!({"hardware": {"id": {"operation": 1}}}),
        );
        assert_eq!(
            found[0].message,
            "a filter of SoftLayer_Account::getVirtualGuests starts with 'virtualGuests' (the property the method reads)"
        );
        let found = check(
            "getNetworkVlans",
            json!({"networkVlans": {"createDate": {"operation": "x"}, "vlanNumber": {"id": {"operation": 1}}}}),
        );
        assert_eq!(
            paths(&found),
            [
                "objectFilter.networkVlans.createDate",
                "objectFilter.networkVlans.vlanNumber.id"
            ]
        );
        let found = check(
            "getVirtualGuests",
            json!({"virtualGuests": {"id": {"operation": ["x"], "options": [{"nam": "data"}]}}}),
        );
        assert_eq!(
            paths(&found),
            [
                "objectFilter.virtualGuests.id.operation",
                "objectFilter.virtualGuests.id.options[0]"
            ]
        );
        // Not a getter: the filter names the returned type's properties.
        let found = check_request(
            "SoftLayer_Network_LBaaS_LoadBalancer",
            "getAllObjects",
            None,
            Some(&json!({"name": {"operation": "web"}, "nope": {"operation": 1}})),
        );
        assert_eq!(paths(&found), ["objectFilter.nope"]);
    }
}
