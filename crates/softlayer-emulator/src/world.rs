//! The world: an account snapshot in the world-file format, parsed and
//! validated, and written back in the same format.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::load::{FORMAT, load_with_lists};
use crate::load_error::LoadError;
use crate::state::{Kind, State};

/// A parsed, validated account snapshot, ready to serve.
#[derive(Debug, Clone)]
pub struct World {
    pub(crate) state: State,
    /// The top-level lists the file wrote.
    lists: BTreeSet<String>,
}

impl World {
    /// Parses and validates a world file. Errors name the position: line and
    /// column for JSON syntax, the JSON path for everything else.
    pub fn from_json_str(text: &str) -> Result<World, LoadError> {
        let (state, lists) = load_with_lists(text)?;
        Ok(World { state, lists })
    }

    /// The top-level lists the file wrote, sorted (`"virtualGuests"`,
    /// `"tickets"`, ...): an empty list counts, an absent or `null` one
    /// does not. A partial snapshot leaves out the lists it did not read,
    /// and their absence must not be mistaken for "none".
    pub fn lists(&self) -> impl Iterator<Item = &str> {
        self.lists.iter().map(String::as_str)
    }

    /// The `username` and `apiKey` of each listed user, in file order;
    /// None when the world lists no users (any credentials are accepted).
    pub fn users(&self) -> Option<Vec<(&str, &str)>> {
        self.state.users.as_ref().map(|users| {
            users
                .iter()
                .map(|u| (u.username(), u.api_key.as_str()))
                .collect()
        })
    }

    /// The moment the world describes (its `clock`), if it names one.
    pub fn clock(&self) -> Option<Timestamp> {
        self.state.clock
    }

    /// The world in the world-file format (loadable again).
    pub fn to_json(&self) -> Value {
        export(&self.state, self.state.clock.unwrap_or_else(Timestamp::now))
    }
}

/// Writes the state as a world document; objects already reclaimed at `now`
/// are left out.
pub(crate) fn export(st: &State, now: Timestamp) -> Value {
    let mut doc = Map::new();
    doc.insert("format".into(), Value::from(FORMAT));
    // One document, one moment: the state is written as it is at `now`, so
    // the clock it describes is `now` (a cancellation made since the world
    // was loaded must not read as pending when the export is served again).
    if st.clock.is_some() {
        doc.insert("clock".into(), Value::from(now.to_string()));
    }
    doc.insert("account".into(), Value::Object(st.account.clone()));
    if let Some(users) = &st.users {
        let list = users
            .iter()
            .map(|u| {
                let mut m = u.fields.clone();
                m.insert("apiKey".into(), Value::from(u.api_key.as_str()));
                Value::Object(m)
            })
            .collect();
        doc.insert("users".into(), Value::Array(list));
    }
    for kind in Kind::ALL.into_iter().filter(|k| !st.unread.contains(k)) {
        let list: Vec<Value> = st
            .visible(kind, now)
            .map(|res| {
                let mut m = res.fields.clone();
                if let Some(b) = res.billing {
                    m.insert("billingItem".into(), billing(st, b));
                }
                if let Some(b) = res.dedicated_billing {
                    m.insert("dedicatedBillingItem".into(), billing(st, b));
                }
                Value::Object(m)
            })
            .collect();
        doc.insert(kind.world_key().into(), Value::Array(list));
    }
    // Every list the world has is written, empty ones too: an absent list
    // reads as "not exported" (a partial snapshot), never as "none".
    let free: Vec<Value> = st
        .billing
        .values()
        .filter(|b| b.owner.is_none() && b.parent.is_none())
        .map(|b| billing(st, b.id))
        .collect();
    doc.insert("allTopLevelBillingItems".into(), Value::Array(free));
    let list = st.tickets.values().cloned().map(Value::Object).collect();
    doc.insert("tickets".into(), Value::Array(list));
    let list = st.requests.values().cloned().map(Value::Object).collect();
    doc.insert("cancellationRequests".into(), Value::Array(list));
    Value::Object(doc)
}

/// A billing item with its children nested, as the world file writes it.
fn billing(st: &State, id: i64) -> Value {
    let Some(item) = st.billing.get(&id) else {
        return Value::Null;
    };
    let mut m = item.fields.clone();
    if !item.children.is_empty() {
        let children = item.children.iter().map(|c| billing(st, *c)).collect();
        m.insert("children".into(), Value::Array(children));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A world written by `to_json` loads again and writes the same document.
    #[test]
    fn round_trips() {
        let text = r#"{
          "format": "slretire-world/1",
          "account": {"id": 1, "companyName": "X"},
          "users": [{"username": "u", "apiKey": "k"}],
          "networkVlans": [{"id": 5, "vlanNumber": 1234, "billingItem": {"id": 50, "recurringFee": "10.00"}}],
          "virtualGuests": [{"id": 7, "hostname": "a", "domain": "b.c", "networkVlans": [{"id": 5}],
             "billingItem": {"id": 70, "hourlyFlag": true, "children": [{"id": 71}]}}],
          "subnets": [{"id": 9, "networkIdentifier": "10.0.0.0", "cidr": 30, "networkVlan": {"id": 5}}],
          "allTopLevelBillingItems": [{"id": 99, "categoryCode": "software_license"}]
        }"#;
        let world = World::from_json_str(text).unwrap();
        let out = world.to_json();
        let again = World::from_json_str(&out.to_string()).unwrap().to_json();
        assert_eq!(out, again);
        assert_eq!(
            out["virtualGuests"][0]["billingItem"]["children"][0]["id"],
            71
        );
        assert_eq!(out["allTopLevelBillingItems"][0]["id"], 99);
        assert_eq!(out["subnets"][0]["networkVlanId"], 5);
    }

    /// The written document holds every list the world has, empty ones
    /// included; lists a partial file left out stay out.
    #[test]
    fn writes_the_lists_it_has() {
        let world = World::from_json_str(
            r#"{"format": "slretire-world/1", "account": {"id": 1}, "networkVlans": []}"#,
        )
        .unwrap();
        let out = world.to_json();
        for kind in Kind::ALL {
            let expected = (kind == Kind::Vlan).then(|| Value::Array(Vec::new()));
            assert_eq!(out.get(kind.world_key()).cloned(), expected, "{kind:?}");
        }
        for key in ["allTopLevelBillingItems", "tickets", "cancellationRequests"] {
            assert_eq!(out[key], Value::Array(Vec::new()), "{key}");
        }
    }

    /// `lists` names the lists the file wrote, empty ones included, null ones not.
    #[test]
    fn lists_written_by_the_file() {
        let world = World::from_json_str(
            r#"{"format": "slretire-world/1", "account": {"id": 1},
                "networkVlans": [], "hardware": null, "tickets": []}"#,
        )
        .unwrap();
        assert_eq!(
            world.lists().collect::<Vec<_>>(),
            ["networkVlans", "tickets"]
        );
    }
}
