//! Fingerprints of observed facts and the digest that seals a plan.
//!
//! Both hash a canonical encoding: the value as JSON with every object's
//! keys sorted, no whitespace, strings escaped as serde_json escapes them.
//! It does not depend on the order fields are declared in, nor on how a
//! JSON map orders its keys. What it does depend on is the plan's own
//! document types (`model.rs`, `observed.rs`): changing them changes the
//! fingerprints of saved plans, and the pinned test below fails until
//! `FORMAT_VERSION` changes with it.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::model::Plan;
use super::observed::Observed;
use crate::kinds::Kind;

/// `sha256:` and the first 16 hex digits of the hash of the facts of
/// object `kind` `id`: enough to notice any change, short enough to read.
///
/// Two facts that move on their own are left out: the next bill date (it
/// advances every month; apply compares it with an anniversary item's
/// effective date instead) and the LBaaS provisioning status (it changes
/// with any update; apply reads it only to see a deletion under way).
pub fn fingerprint(kind: Kind, id: u64, observed: &Observed) -> String {
    let mut facts = observed.clone();
    if let Some(billing) = &mut facts.billing {
        billing.next_bill_date = None;
    }
    facts.status = None;
    let hex = sha256_hex(&(kind, id, facts));
    format!("sha256:{}", &hex[..16])
}

/// Sets `plan.digest` to the hash of the plan with an empty digest and no
/// signature (a signature is made over the digest).
pub fn seal(mut plan: Plan) -> Plan {
    plan.digest = String::new();
    plan.signature = None;
    plan.digest = format!("sha256:{}", sha256_hex(&plan));
    plan
}

/// Whether `plan.digest` matches its content.
pub fn is_sealed(plan: &Plan) -> bool {
    let mut copy = plan.clone();
    copy.digest = String::new();
    copy.signature = None;
    plan.digest == format!("sha256:{}", sha256_hex(&copy))
}

fn sha256_hex<T: Serialize>(value: &T) -> String {
    // These plain document types always serialise: no maps with
    // non-string keys, no serialisers that fail.
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    let mut text = String::new();
    canonical(&value, &mut text);
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `value` as canonical JSON: object keys sorted, no whitespace.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::FORMAT_VERSION;
    use crate::plan::observed::BillingItem;
    use crate::resolve::money::Money;
    use crate::resolve::resource::{ObjectRef, VlanRef};

    /// A fixed set of facts with every field set.
    fn facts() -> Observed {
        Observed {
            name: "web-01.example.com".into(),
            match_names: vec!["web-01".into(), "web-01.example.com".into()],
            addresses: vec!["10.0.0.5".into(), "169.45.1.2".into()],
            network: None,
            vlan_number: Some(1234),
            router: Some("bcr01a.dal13".into()),
            datacenter: Some("dal13".into()),
            tags: vec!["ephemeral".into()],
            vlans: vec![VlanRef {
                id: 563310,
                number: Some(1234),
                router: Some("bcr01a.dal13".into()),
            }],
            notes: Some("OPS-1 build runner".into()),
            power_state: Some("RUNNING".into()),
            created: Some("2026-01-02T03:04:05Z".parse().unwrap()),
            billing: Some(BillingItem {
                id: 99,
                category: "guest_core".into(),
                description: Some("4 x 2.0 GHz".into()),
                recurring_fee: Money::parse("45.5"),
                hourly_fee: None,
                hourly: false,
                next_bill_date: Some("2026-12-01T06:00:00Z".parse().unwrap()),
                cancellation_date: None,
                allow_cancellation: true,
                cancellation_requested: false,
                parent_id: None,
                children: vec![],
                unreadable: vec![],
            }),
            account_id: Some(278184),
            hourly: Some(false),
            open_ticket: None,
            active_transaction: false,
            occupants: vec![ObjectRef {
                kind: Kind::Subnet,
                id: 7,
            }],
            shares_billing_with: vec![],
            variant: None,
            status: None,
            uuid: None,
        }
    }

    /// The fingerprint of fixed facts is pinned, per format version: a
    /// change that would invalidate saved plans must change the version.
    #[test]
    fn fingerprint_is_pinned() {
        assert_eq!(
            (
                FORMAT_VERSION,
                fingerprint(Kind::VirtualGuest, 1, &facts()).as_str()
            ),
            ("2", "sha256:210d248ea128d907"),
            "the plan format changed: bump FORMAT_VERSION and re-pin"
        );
    }

    /// Facts that move on their own are not fingerprinted; everything else is.
    #[test]
    fn fingerprint_covers_the_decision_facts() {
        let base = fingerprint(Kind::VirtualGuest, 1, &facts());
        let mut moved = facts();
        moved.billing.as_mut().unwrap().next_bill_date = None;
        moved.status = Some("ACTIVE".into());
        assert_eq!(fingerprint(Kind::VirtualGuest, 1, &moved), base);
        let mut tagged = facts();
        tagged.tags.push("keep".into());
        assert_ne!(fingerprint(Kind::VirtualGuest, 1, &tagged), base);
        assert_ne!(fingerprint(Kind::VirtualGuest, 2, &facts()), base);
        assert_ne!(fingerprint(Kind::Hardware, 1, &facts()), base);
    }

    /// The canonical encoding sorts keys at every depth and adds no space.
    #[test]
    fn canonical_json() {
        let value = serde_json::json!({"b": [1, {"d": "x\"y", "c": null}], "a": true});
        let mut out = String::new();
        canonical(&value, &mut out);
        assert_eq!(out, r#"{"a":true,"b":[1,{"c":null,"d":"x\"y"}]}"#);
    }
}
