//! Reading and validating a world file into the in-memory [`State`].
//!
//! Validation is driven by the type table: every property must exist on the
//! object's type and have the right JSON shape; relations written by id must
//! point at objects that exist; ids are unique per kind, billing item ids
//! across the whole world. The first problem found is reported with the JSON
//! path of the offending value.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use crate::dates::parse_ts;
use crate::ip::{ip_number, is_v4, range, v4_text};
use crate::load_error::LoadError;
use crate::state::{BillingItem, Kind, Owner, Resource, State, User};
use crate::types::{Card, PropDef, Src, TypeDef, ValueKind, did_you_mean, known, names};

/// The only world format this emulator reads and writes.
pub(crate) const FORMAT: &str = "slretire-world/1";

const TOP_LEVEL_EXTRA: [&str; 8] = [
    "format",
    "clock",
    "account",
    "users",
    "allTopLevelBillingItems",
    "tickets",
    "cancellationRequests",
    LEGACY_CDN,
];

/// Legacy CDN accounts (`SoftLayer_Account::getCdnAccounts`, removed from
/// the API in 2019), as world files written before the CDN Marketplace
/// mappings replaced them hold them. Still read: see [`Loader::legacy_cdn`].
const LEGACY_CDN: &str = "cdnAccounts";

/// Parses and validates a world document.
#[cfg(test)]
pub(crate) fn load(text: &str) -> Result<State, LoadError> {
    load_with_lists(text).map(|(state, _)| state)
}

/// [`load`], also returning the top-level lists the document wrote (an
/// empty list counts, an absent or `null` one does not): a snapshot taken
/// of some kinds only leaves the others out, which is not "none".
pub(crate) fn load_with_lists(text: &str) -> Result<(State, BTreeSet<String>), LoadError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| LoadError::syntax(&e))?;
    let Value::Object(mut doc) = doc else {
        return Err(LoadError::at(
            "",
            format!(
                "a world file is a JSON object with \"format\": \"{FORMAT}\", found {}",
                describe(&doc)
            ),
        ));
    };
    let mut loader = Loader::default();
    loader.check_top_level(&doc)?;
    let lists: BTreeSet<String> = doc
        .iter()
        .filter(|(_, value)| value.is_array())
        .map(|(key, _)| key.clone())
        .collect();
    let account = match doc.remove("account") {
        Some(Value::Object(a)) => loader.clean(a, known(names::ACCOUNT), "account")?,
        Some(other) => {
            return Err(LoadError::at(
                "account",
                format!("expected an object, found {}", describe(&other)),
            ));
        }
        None => return Err(LoadError::at("", "missing required key \"account\"")),
    };
    if !account.get("id").is_some_and(Value::is_i64) {
        return Err(LoadError::at(
            "account.id",
            "the account needs an integer \"id\"",
        ));
    }
    let mut state = State::new(account);
    state.clock = match doc.remove("clock") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(parse_ts(&text).ok_or_else(|| {
            LoadError::at(
                "clock",
                format!(
                    "expected an RFC 3339 time such as \"2026-11-22T12:00:00Z\", found \"{text}\""
                ),
            )
        })?),
        Some(other) => {
            return Err(LoadError::at(
                "clock",
                format!("expected an RFC 3339 time, found {}", describe(&other)),
            ));
        }
    };
    state.unread = Kind::ALL
        .into_iter()
        .filter(|kind| !lists.contains(kind.world_key()))
        .collect();
    if let Some(users) = doc.get("users") {
        state.users = Some(load_users(users)?);
    }
    for kind in Kind::ALL {
        let key = kind.world_key();
        for (i, item) in take_list(&mut doc, key)?.into_iter().enumerate() {
            let path = format!("{key}[{i}]");
            let res = if kind == Kind::Cdn {
                loader.cdn_mapping(item, &path, i)?
            } else {
                loader.resource(kind, item, &path)?
            };
            if let Some(prev) = loader.ids.insert((kind, res.id), path.clone()) {
                return Err(LoadError::at(
                    &format!("{path}.id"),
                    format!("duplicate id {} (already used at {prev})", res.id),
                ));
            }
            state.all_mut(kind).insert(res.id, res);
        }
    }
    for (i, item) in take_list(&mut doc, LEGACY_CDN)?.into_iter().enumerate() {
        loader.legacy_cdn(item, &format!("{LEGACY_CDN}[{i}]"))?;
    }
    for (i, item) in take_list(&mut doc, "allTopLevelBillingItems")?
        .into_iter()
        .enumerate()
    {
        loader.billing_item(
            item,
            &format!("allTopLevelBillingItems[{i}]"),
            None,
            None,
            names::BILLING_ITEM,
        )?;
    }
    for (i, item) in take_list(&mut doc, "tickets")?.into_iter().enumerate() {
        let path = format!("tickets[{i}]");
        let ticket = loader.object_with_id(item, known(names::TICKET), &path)?;
        let id = ticket.get("id").and_then(Value::as_i64).unwrap_or(0);
        if state.tickets.insert(id, ticket).is_some() {
            return Err(LoadError::at(
                &format!("{path}.id"),
                format!("duplicate ticket id {id}"),
            ));
        }
    }
    for (i, item) in take_list(&mut doc, "cancellationRequests")?
        .into_iter()
        .enumerate()
    {
        let path = format!("cancellationRequests[{i}]");
        let request = loader.object_with_id(item, known(names::CANCEL_REQUEST), &path)?;
        let id = request.get("id").and_then(Value::as_i64).unwrap_or(0);
        if state.requests.insert(id, request).is_some() {
            return Err(LoadError::at(
                &format!("{path}.id"),
                format!("duplicate cancellation request id {id}"),
            ));
        }
    }
    loader.check_refs(&state)?;
    loader.check_request_items(&state)?;
    state.billing = std::mem::take(&mut loader.billing);
    state.build_index();
    state.init_counters();
    Ok((state, lists))
}

fn take_list(doc: &mut Map<String, Value>, key: &str) -> Result<Vec<Value>, LoadError> {
    match doc.remove(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(LoadError::at(
            key,
            format!("expected a list, found {}", describe(&other)),
        )),
    }
}

fn load_users(users: &Value) -> Result<Vec<User>, LoadError> {
    let Value::Array(users) = users else {
        return Err(LoadError::at(
            "users",
            format!("expected a list, found {}", describe(users)),
        ));
    };
    let user_type = known(names::USER);
    let mut out = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let path = format!("users[{i}]");
        let Value::Object(map) = u else {
            return Err(LoadError::at(
                &path,
                format!("expected an object, found {}", describe(u)),
            ));
        };
        let mut fields = Map::new();
        let mut api_key = None;
        for (k, v) in map {
            let p = format!("{path}.{k}");
            if k == "apiKey" {
                match v {
                    Value::String(s) if !s.is_empty() => api_key = Some(s.clone()),
                    _ => return Err(LoadError::at(&p, "expected a non-empty string")),
                }
                continue;
            }
            match user_type.prop(k) {
                Some(PropDef::Local(kind, _)) => {
                    check_kind(v, kind, &|| p.clone())?;
                    fields.insert(k.clone(), v.clone());
                }
                _ => return Err(unknown_property(k, user_type, &p, &["apiKey"])),
            }
        }
        if !fields.get("username").is_some_and(Value::is_string) {
            return Err(LoadError::at(&path, "a user needs a string \"username\""));
        }
        let Some(api_key) = api_key else {
            return Err(LoadError::at(&path, "a user needs a string \"apiKey\""));
        };
        fields.entry("id").or_insert_with(|| Value::from(7001 + i));
        out.push(User { fields, api_key });
    }
    Ok(out)
}

/// A relation written by id, checked once everything is loaded.
#[derive(Debug)]
struct IdRef {
    path: String,
    name: &'static str,
    target: &'static str,
    id: i64,
}

#[derive(Debug, Default)]
struct Loader {
    billing: BTreeMap<i64, BillingItem>,
    billing_paths: HashMap<i64, String>,
    ids: HashMap<(Kind, i64), String>,
    cdn_unique_ids: HashMap<String, String>,
    refs: Vec<IdRef>,
}

impl Loader {
    fn check_top_level(&self, doc: &Map<String, Value>) -> Result<(), LoadError> {
        let mut allowed: Vec<&str> = TOP_LEVEL_EXTRA.to_vec();
        allowed.extend(Kind::ALL.iter().map(|k| k.world_key()));
        for key in doc.keys() {
            if !allowed.contains(&key.as_str()) {
                let hint = did_you_mean(key, &allowed)
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                return Err(LoadError::at(
                    key,
                    format!("unknown top-level key '{key}'{hint}"),
                ));
            }
        }
        match doc.get("format") {
            Some(Value::String(f)) if f == FORMAT => Ok(()),
            Some(other) => Err(LoadError::at(
                "format",
                format!("expected \"{FORMAT}\", found {}", describe(other)),
            )),
            None => Err(LoadError::at(
                "",
                format!("missing required key \"format\" (\"{FORMAT}\")"),
            )),
        }
    }

    /// An object that must carry an integer `id`, validated against `ty`.
    fn object_with_id(
        &mut self,
        value: Value,
        ty: &'static TypeDef,
        path: &str,
    ) -> Result<Map<String, Value>, LoadError> {
        let Value::Object(mut map) = value else {
            return Err(LoadError::at(
                path,
                format!("expected an object, found {}", describe(&value)),
            ));
        };
        numeric_id(&mut map);
        if !map.get("id").is_some_and(Value::is_i64) {
            return Err(LoadError::at(path, "missing integer \"id\""));
        }
        self.clean(map, ty, path)
    }

    /// A CDN domain mapping: keyed by its string `uniqueId` (unique in the
    /// list); it has no `id`, so its position stands in for one.
    fn cdn_mapping(
        &mut self,
        value: Value,
        path: &str,
        position: usize,
    ) -> Result<Resource, LoadError> {
        let Value::Object(map) = value else {
            return Err(LoadError::at(
                path,
                format!("expected an object, found {}", describe(&value)),
            ));
        };
        let unique = match map.get("uniqueId") {
            Some(Value::String(u)) if !u.trim().is_empty() => u.clone(),
            _ => return Err(LoadError::at(path, "missing string \"uniqueId\"")),
        };
        if let Some(prev) = self.cdn_unique_ids.insert(unique.clone(), path.to_owned()) {
            return Err(LoadError::at(
                &format!("{path}.uniqueId"),
                format!("duplicate uniqueId \"{unique}\" (already used at {prev})"),
            ));
        }
        let fields = self.clean(map, known(names::CDN_MAPPING), path)?;
        Ok(Resource {
            id: i64::try_from(position)
                .unwrap_or(i64::MAX)
                .saturating_add(1),
            fields,
            billing: None,
            dedicated_billing: None,
            vlans: Vec::new(),
            vlan: None,
            host: None,
            reclaim_at: None,
        })
    }

    /// A legacy CDN account of an old world file. The API no longer lists
    /// these (getCdnAccounts left it in 2019), but an account's billing
    /// item is still on the account: it becomes a top-level billing item
    /// (retirable as a billing item); the rest of the object is dropped.
    fn legacy_cdn(&mut self, value: Value, path: &str) -> Result<(), LoadError> {
        let Value::Object(mut map) = value else {
            return Err(LoadError::at(
                path,
                format!("expected an object, found {}", describe(&value)),
            ));
        };
        if let Some(item) = map.remove("billingItem").filter(|v| !v.is_null()) {
            self.billing_item(
                item,
                &format!("{path}.billingItem"),
                None,
                None,
                names::BILLING_ITEM,
            )?;
        }
        Ok(())
    }

    fn resource(&mut self, kind: Kind, value: Value, path: &str) -> Result<Resource, LoadError> {
        let Value::Object(mut rest) = value else {
            return Err(LoadError::at(
                path,
                format!("expected an object, found {}", describe(&value)),
            ));
        };
        numeric_id(&mut rest);
        let Some(id) = rest.get("id").and_then(Value::as_i64) else {
            return Err(LoadError::at(path, "missing integer \"id\""));
        };
        let billing_value = rest.remove("billingItem");
        let dedicated_value = if kind == Kind::Adc {
            rest.remove("dedicatedBillingItem")
        } else {
            None
        };
        let refs_before = self.refs.len();
        let mut fields = self.clean(rest, known(kind.type_name()), path)?;
        let mut res = Resource {
            id,
            fields: Map::new(),
            billing: None,
            dedicated_billing: None,
            vlans: Vec::new(),
            vlan: None,
            host: None,
            reclaim_at: None,
        };
        for r in &self.refs[refs_before..] {
            match r.name {
                "networkVlans" => res.vlans.push(r.id),
                "networkVlan" => res.vlan = Some(r.id),
                "dedicatedHost" => res.host = Some(r.id),
                _ => {}
            }
        }
        let owner = |dedicated| Owner {
            kind,
            id,
            dedicated,
        };
        if let Some(b) = billing_value.filter(|v| !v.is_null()) {
            let bid = self.billing_item(
                b,
                &format!("{path}.billingItem"),
                Some(owner(false)),
                None,
                kind.billing_type(),
            )?;
            res.billing = Some(bid);
        }
        if let Some(b) = dedicated_value.filter(|v| !v.is_null()) {
            let bid = self.billing_item(
                b,
                &format!("{path}.dedicatedBillingItem"),
                Some(owner(true)),
                None,
                names::BILLING_LOAD_BALANCER,
            )?;
            res.dedicated_billing = Some(bid);
        }
        if kind == Kind::Subnet {
            self.subnet_fields(&mut fields, &mut res, path)?;
        }
        res.fields = fields;
        Ok(res)
    }

    /// Checks a subnet's address fields and fills in the ones the API
    /// computes (totals, netmask, broadcast, `networkVlanId`).
    fn subnet_fields(
        &mut self,
        fields: &mut Map<String, Value>,
        res: &mut Resource,
        path: &str,
    ) -> Result<(), LoadError> {
        match (
            fields.get("networkVlanId").and_then(Value::as_i64),
            res.vlan,
        ) {
            (Some(a), Some(b)) if a != b => {
                return Err(LoadError::at(
                    &format!("{path}.networkVlanId"),
                    format!("networkVlanId {a} contradicts networkVlan.id {b}"),
                ));
            }
            (Some(a), None) => {
                res.vlan = Some(a);
                self.refs.push(IdRef {
                    path: format!("{path}.networkVlanId"),
                    name: "networkVlan",
                    target: names::VLAN,
                    id: a,
                });
            }
            (None, Some(b)) => {
                fields.insert("networkVlanId".into(), Value::from(b));
            }
            _ => {}
        }
        let Some(network) = fields
            .get("networkIdentifier")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Ok(());
        };
        let Some(cidr) = fields.get("cidr").and_then(Value::as_u64) else {
            return Err(LoadError::at(
                path,
                "a subnet with a networkIdentifier needs an integer \"cidr\"",
            ));
        };
        let cidr32 = u32::try_from(cidr).unwrap_or(u32::MAX);
        let Some((first, last)) = range(&network, cidr32) else {
            return Err(LoadError::at(
                &format!("{path}.cidr"),
                format!("prefix /{cidr} does not fit {network}"),
            ));
        };
        if is_v4(&network) {
            let total = last - first + 1;
            fields
                .entry("totalIpAddresses")
                .or_insert_with(|| Value::from(u64::try_from(total).unwrap_or(u64::MAX)));
            let usable = if total > 4 { total - 3 } else { total };
            fields
                .entry("usableIpAddressCount")
                .or_insert_with(|| Value::from(u64::try_from(usable).unwrap_or(u64::MAX)));
            let mask_bits: u32 = if cidr32 == 0 {
                0
            } else {
                u32::MAX << (32 - cidr32)
            };
            fields
                .entry("netmask")
                .or_insert_with(|| Value::from(std::net::Ipv4Addr::from(mask_bits).to_string()));
            fields
                .entry("broadcastAddress")
                .or_insert_with(|| Value::from(v4_text(last)));
            fields.entry("version").or_insert_with(|| Value::from(4));
        } else {
            fields.entry("version").or_insert_with(|| Value::from(6));
        }
        Ok(())
    }

    /// Registers a billing item and its children; returns its id.
    fn billing_item(
        &mut self,
        value: Value,
        path: &str,
        owner: Option<Owner>,
        parent: Option<i64>,
        ty: &'static str,
    ) -> Result<i64, LoadError> {
        let Value::Object(mut rest) = value else {
            return Err(LoadError::at(
                path,
                format!("expected an object, found {}", describe(&value)),
            ));
        };
        numeric_id(&mut rest);
        let Some(id) = rest.get("id").and_then(Value::as_i64) else {
            return Err(LoadError::at(path, "missing integer \"id\""));
        };
        if let Some(prev) = self.billing_paths.get(&id) {
            return Err(LoadError::at(
                &format!("{path}.id"),
                format!("duplicate billing item id {id} (already used at {prev})"),
            ));
        }
        self.billing_paths.insert(id, path.to_owned());
        let children = rest.remove("children");
        let active_children = rest.remove("activeChildren");
        // Subtype-only; computed from the owner, so a snapshot may carry it.
        rest.remove("resourceTableId");
        let fields = self.clean(rest, known(ty), path)?;
        self.billing.insert(
            id,
            BillingItem {
                id,
                fields,
                parent,
                children: Vec::new(),
                owner,
                ty,
            },
        );
        let mut child_ids = Vec::new();
        for (key, list) in [("children", children), ("activeChildren", active_children)] {
            match list {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for (i, child) in items.into_iter().enumerate() {
                        let child_id = child.get("id").and_then(Value::as_i64);
                        // activeChildren repeats items already in children.
                        if key == "activeChildren"
                            && child_id.is_some_and(|c| child_ids.contains(&c))
                        {
                            continue;
                        }
                        let cid = self.billing_item(
                            child,
                            &format!("{path}.{key}[{i}]"),
                            None,
                            Some(id),
                            names::BILLING_ITEM,
                        )?;
                        child_ids.push(cid);
                    }
                }
                Some(other) => {
                    return Err(LoadError::at(
                        &format!("{path}.{key}"),
                        format!("expected a list, found {}", describe(&other)),
                    ));
                }
            }
        }
        if let Some(item) = self.billing.get_mut(&id) {
            item.children = child_ids;
        }
        Ok(id)
    }

    /// Validates an object against `ty` and returns what the emulator
    /// stores: locals and stored relations, without computed values.
    fn clean(
        &mut self,
        map: Map<String, Value>,
        ty: &'static TypeDef,
        path: &str,
    ) -> Result<Map<String, Value>, LoadError> {
        if ty.open {
            return Ok(map);
        }
        let mut out = Map::new();
        for (key, value) in map {
            // Paths are built only when needed: on errors and for nested
            // objects (a world has millions of properties).
            let p = || format!("{path}.{key}");
            match ty.prop(&key) {
                None => return Err(unknown_property(&key, ty, &p(), &[])),
                Some(PropDef::Local(_, true)) => {}
                Some(PropDef::Local(kind, false)) => {
                    let value = api_form(value, kind);
                    check_kind(&value, kind, &p)?;
                    out.insert(key, value);
                }
                Some(PropDef::Rel(rel)) => match rel.src {
                    Src::Computed => {}
                    Src::Derived => return Err(derived(&key, ty, &p())),
                    Src::ById => {
                        let value = numeric_ref_ids(value);
                        self.by_id(&value, rel.name, rel.target, rel.card, &p())?;
                        if !value.is_null() {
                            out.insert(key, value);
                        }
                    }
                    Src::Stored => {
                        if value.is_null() {
                            continue;
                        }
                        let stored = match (rel.card, value) {
                            (Card::Scalar(kind), value) => {
                                let value = api_form(value, kind);
                                check_kind(&value, kind, &p)?;
                                value
                            }
                            (Card::One, Value::Object(m)) => {
                                Value::Object(self.clean(m, known(rel.target), &p())?)
                            }
                            (Card::Many, Value::Array(items)) => {
                                let mut cleaned = Vec::with_capacity(items.len());
                                for (i, item) in items.into_iter().enumerate() {
                                    let Value::Object(m) = item else {
                                        return Err(LoadError::at(
                                            &format!("{}[{i}]", p()),
                                            format!(
                                                "expected an object, found {}",
                                                describe(&item)
                                            ),
                                        ));
                                    };
                                    let ip = format!("{}[{i}]", p());
                                    cleaned.push(Value::Object(self.clean(
                                        m,
                                        known(rel.target),
                                        &ip,
                                    )?));
                                }
                                Value::Array(cleaned)
                            }
                            (Card::One, other) => {
                                return Err(LoadError::at(
                                    &p(),
                                    format!("expected an object, found {}", describe(&other)),
                                ));
                            }
                            (Card::Many, other) => {
                                return Err(LoadError::at(
                                    &p(),
                                    format!("expected a list, found {}", describe(&other)),
                                ));
                            }
                        };
                        out.insert(key, stored);
                    }
                },
            }
        }
        Ok(out)
    }

    fn by_id(
        &mut self,
        value: &Value,
        name: &'static str,
        target: &'static str,
        card: Card,
        path: &str,
    ) -> Result<(), LoadError> {
        let one = |v: &Value, p: &str| -> Result<i64, LoadError> {
            let Value::Object(m) = v else {
                return Err(LoadError::at(
                    p,
                    format!(
                        "relations are written by id: expected {{\"id\": N}}, found {}",
                        describe(v)
                    ),
                ));
            };
            if let Some(extra) = m.keys().find(|k| *k != "id") {
                return Err(LoadError::at(
                    &format!("{p}.{extra}"),
                    format!(
                        "relations are written by id only ({{\"id\": N}}); the emulator serves the rest from the {name} object itself"
                    ),
                ));
            }
            m.get("id")
                .and_then(Value::as_i64)
                .ok_or_else(|| LoadError::at(p, "missing integer \"id\""))
        };
        match (card, value) {
            (_, Value::Null) => {}
            (Card::Many, Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    let id = one(item, &p)?;
                    self.refs.push(IdRef {
                        path: p,
                        name,
                        target,
                        id,
                    });
                }
            }
            (Card::Many, other) => {
                return Err(LoadError::at(
                    path,
                    format!(
                        "expected a list of {{\"id\": N}}, found {}",
                        describe(other)
                    ),
                ));
            }
            _ => {
                let id = one(value, path)?;
                self.refs.push(IdRef {
                    path: path.to_owned(),
                    name,
                    target,
                    id,
                });
            }
        }
        Ok(())
    }

    fn check_refs(&self, state: &State) -> Result<(), LoadError> {
        for r in &self.refs {
            let kind = match r.target {
                names::VLAN => Kind::Vlan,
                names::HOST => Kind::Host,
                names::HARDWARE | names::HARDWARE_SERVER => Kind::Hardware,
                names::GUEST => Kind::Guest,
                _ => continue,
            };
            // A partial snapshot refers to objects of kinds it did not read.
            if !state.all(kind).contains_key(&r.id) && !state.unread.contains(&kind) {
                return Err(LoadError::at(
                    &format!("{}.id", r.path),
                    format!("no {} entry has id {}", kind.world_key(), r.id),
                ));
            }
        }
        Ok(())
    }

    fn check_request_items(&self, state: &State) -> Result<(), LoadError> {
        for (i, request) in state.requests.values().enumerate() {
            let Some(items) = request.get("items").and_then(Value::as_array) else {
                continue;
            };
            for (j, item) in items.iter().enumerate() {
                if let Some(b) = item.get("billingItemId").and_then(Value::as_i64)
                    && !self.billing.contains_key(&b)
                {
                    return Err(LoadError::at(
                        &format!("cancellationRequests[{i}].items[{j}].billingItemId"),
                        format!("no billing item has id {b}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn unknown_property(key: &str, ty: &TypeDef, path: &str, extra: &[&str]) -> LoadError {
    let mut candidates = ty.all_names();
    candidates.extend_from_slice(extra);
    let hint = did_you_mean(key, &candidates)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    LoadError::at(
        path,
        format!("unknown property '{key}' for {}{hint}", ty.name),
    )
}

fn derived(key: &str, ty: &TypeDef, path: &str) -> LoadError {
    let why = match (ty.name, key) {
        (names::VLAN, "virtualGuests" | "hardware" | "subnets") => {
            "from the networkVlans of guests and servers and the networkVlan of subnets"
        }
        (names::SUBNET, _) => "from the addresses of guests and servers",
        (names::HOST, _) => "from the dedicatedHost of guests",
        (_, "openCancellationTicket") => "from the top-level tickets list",
        (names::ACCOUNT, _) => "from the top-level lists of the world file",
        _ => "from the rest of the world",
    };
    LoadError::at(
        path,
        format!("'{key}' is derived by the emulator ({why}); remove it"),
    )
}

/// An object's `id` sent as a numeric string (as the SDK's fixtures and
/// some API answers do), stored as the number it is.
fn numeric_id(map: &mut Map<String, Value>) {
    if let Some(id) = map.get_mut("id") {
        let taken = std::mem::take(id);
        *id = api_form(taken, ValueKind::Int);
    }
}

/// Relations by id (`{"id": "5"}` or a list of them), ids made numbers.
fn numeric_ref_ids(value: Value) -> Value {
    match value {
        Value::Object(mut map) => {
            numeric_id(&mut map);
            Value::Object(map)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(numeric_ref_ids).collect()),
        other => other,
    }
}

/// A value in one of the forms the real API (and the SDK's fixtures) send
/// it, turned into the one form the world stores: ids as numeric strings,
/// fees as numbers, text-typed values as numbers, times without an offset
/// (SoftLayer's Central Standard Time). A snapshot of a real account then
/// loads back; anything else is left for `check_kind` to refuse.
fn api_form(value: Value, kind: ValueKind) -> Value {
    match (kind, &value) {
        (ValueKind::Int, Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map(Value::from)
            .or_else(|_| s.trim().parse::<i64>().map(Value::from))
            .unwrap_or(value),
        (ValueKind::Money | ValueKind::Str, Value::Number(n)) => Value::String(n.to_string()),
        (ValueKind::Date, Value::String(s)) if parse_ts(s).is_none() => {
            let with_offset = format!("{}-06:00", s.trim().replacen(' ', "T", 1));
            if parse_ts(&with_offset).is_some() {
                Value::String(with_offset)
            } else {
                value
            }
        }
        _ => value,
    }
}

/// Checks a scalar value's JSON shape.
fn check_kind(value: &Value, kind: ValueKind, path: &dyn Fn() -> String) -> Result<(), LoadError> {
    if value.is_null() {
        return Ok(());
    }
    let ok = match kind {
        ValueKind::Int => value.is_i64() || value.is_u64(),
        ValueKind::Str => value.is_string(),
        ValueKind::Money => value.as_str().is_some_and(is_money),
        ValueKind::Date => value.as_str().is_some_and(|s| parse_ts(s).is_some()),
        ValueKind::Bool => value.is_boolean(),
        ValueKind::Flag => value.is_boolean() || value.is_i64(),
        ValueKind::Num => value.is_number(),
        ValueKind::Ip => value.as_str().is_some_and(|s| ip_number(s).is_some()),
        ValueKind::Any => true,
    };
    if ok {
        return Ok(());
    }
    let expected = match kind {
        ValueKind::Int => "an integer",
        ValueKind::Str => "a string",
        ValueKind::Money => "money as a string such as \"899.00\" or \".062\"",
        ValueKind::Date => "an ISO-8601 date with offset such as \"2026-12-01T00:00:00-06:00\"",
        ValueKind::Bool => "true or false",
        ValueKind::Flag => "an integer flag (0 or 1)",
        ValueKind::Num => "a number",
        ValueKind::Ip => "an IP address string",
        ValueKind::Any => "any value",
    };
    Err(LoadError::at(
        &path(),
        format!("expected {expected}, found {}", describe(value)),
    ))
}

/// A decimal as the API writes money: `"899.00"`, `".062"`, `"0"`.
fn is_money(text: &str) -> bool {
    let t = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    !(int.is_empty() && frac.is_empty())
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && !(t.contains('.') && frac.is_empty())
}

/// A short description of a JSON value for error messages.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            format!("string \"{short}\"")
        }
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(body: &str) -> String {
        format!(r#"{{"format": "slretire-world/1", "account": {{"id": 1}}{body}}}"#)
    }

    fn err(text: &str) -> String {
        load(text).unwrap_err().to_string()
    }

    /// A minimal world loads.
    #[test]
    fn loads_minimal_world() {
        let state = load(&world("")).unwrap();
        assert_eq!(state.account_id(), 1);
    }

    /// JSON syntax errors name line and column.
    #[test]
    fn syntax_errors_name_line_and_column() {
        let e = err("{\n  \"format\": \"slretire-world/1\",\n  \"account\": {\"id\": 1,}\n}");
        assert!(e.starts_with("line 3 column"), "{e}");
    }

    /// Misspelled properties are reported with their path and a suggestion.
    #[test]
    fn unknown_property_has_path_and_suggestion() {
        let e = err(&world(
            r#", "virtualGuests": [{"id": 1}, {"id": 2, "hostnme": "x"}]"#,
        ));
        assert_eq!(
            e,
            "virtualGuests[1].hostnme: unknown property 'hostnme' for SoftLayer_Virtual_Guest (did you mean 'hostname'?)"
        );
    }

    /// Money written as a number is a type error at the exact path.
    #[test]
    fn wrong_money_type_has_path() {
        let e = err(&world(
            r#", "virtualGuests": [{"id": 1, "billingItem": {"id": 5, "recurringFee": true}}]"#,
        ));
        assert!(
            e.starts_with("virtualGuests[0].billingItem.recurringFee: expected money"),
            "{e}"
        );
    }

    /// The API's own value forms load: ids as numeric strings, fees as
    /// numbers, times without an offset (SoftLayer's Central time).
    #[test]
    fn api_value_forms_load() {
        let w = crate::World::from_json_str(
            r#"{"format": "slretire-world/1", "account": {"id": 1}, "virtualGuests": [{"id": "7",
               "createDate": "2016-01-21 12:11:07",
               "billingItem": {"id": "5", "recurringFee": 12.5}}]}"#,
        );
        assert!(w.is_ok(), "{:?}", w.err());
    }

    /// Duplicate ids per kind and across billing items are rejected.
    #[test]
    fn duplicate_ids_are_rejected() {
        let e = err(&world(r#", "networkVlans": [{"id": 1}, {"id": 1}]"#));
        assert_eq!(
            e,
            "networkVlans[1].id: duplicate id 1 (already used at networkVlans[0])"
        );
        let e = err(&world(
            r#", "networkVlans": [{"id": 1, "billingItem": {"id": 9}}], "allTopLevelBillingItems": [{"id": 9}]"#,
        ));
        assert!(
            e.starts_with("allTopLevelBillingItems[0].id: duplicate billing item id 9"),
            "{e}"
        );
    }

    /// A relation by id must point at an existing object of a list the
    /// file wrote; a partial snapshot may point into the lists it left out.
    #[test]
    fn dangling_relation_is_rejected() {
        let e = err(&world(
            r#", "virtualGuests": [{"id": 1, "networkVlans": [{"id": 77}]}], "networkVlans": []"#,
        ));
        assert_eq!(
            e,
            "virtualGuests[0].networkVlans[0].id: no networkVlans entry has id 77"
        );
        let partial = load(&world(
            r#", "virtualGuests": [{"id": 1, "networkVlans": [{"id": 77}]}]"#,
        ))
        .unwrap();
        assert_eq!(partial.unread.len(), Kind::ALL.len() - 1);
        assert!(!partial.unread.contains(&Kind::Guest));
    }

    /// Derived inverse relations may not be written in the world.
    #[test]
    fn derived_relation_is_rejected() {
        let e = err(&world(
            r#", "networkVlans": [{"id": 1, "virtualGuests": []}]"#,
        ));
        assert!(
            e.contains("'virtualGuests' is derived by the emulator"),
            "{e}"
        );
    }

    /// Unknown top-level keys and a wrong format are rejected.
    #[test]
    fn top_level_is_checked() {
        let e = err(&world(r#", "virtualGuest": []"#));
        assert!(e.contains("did you mean 'virtualGuests'"), "{e}");
        let e = err(r#"{"format": "x", "account": {"id": 1}}"#);
        assert!(
            e.starts_with("format: expected \"slretire-world/1\""),
            "{e}"
        );
    }

    /// Subnets get their computed address fields.
    #[test]
    fn subnet_totals_are_computed() {
        let state = load(&world(
            r#", "subnets": [{"id": 3, "networkIdentifier": "10.0.0.0", "cidr": 26}]"#,
        ))
        .unwrap();
        let s = state.all(Kind::Subnet).get(&3).unwrap();
        assert_eq!(s.fields["totalIpAddresses"], 64);
        assert_eq!(s.fields["usableIpAddressCount"], 61);
        assert_eq!(s.fields["netmask"], "255.255.255.192");
        assert_eq!(s.fields["broadcastAddress"], "10.0.0.63");
    }

    /// Nested children (and activeChildren) are indexed as billing items.
    #[test]
    fn nested_billing_items_are_indexed() {
        let state = load(&world(
            r#", "networkStorage": [{"id": 4, "billingItem": {"id": 10, "children": [{"id": 11}], "activeChildren": [{"id": 11}, {"id": 12}]}}]"#,
        ))
        .unwrap();
        assert_eq!(state.billing[&10].children, vec![11, 12]);
        assert_eq!(state.billing[&12].parent, Some(10));
    }
}
