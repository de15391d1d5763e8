//! What apply checks before acting on an item, pure: is it done already,
//! and did the facts the plan rests on change since the plan was made?

use serde_json::Value;

use crate::plan::anniversary::{date_text, next_anniversary};
use crate::plan::digest::fingerprint;
use crate::plan::model::{PlanItem, State, Timing};
use crate::plan::observed::Observed;
use crate::resolve::resource::Resource;

/// The outcome of looking at an item's object right before acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Unchanged and still active: perform the planned call.
    Proceed,
    /// Already cancelled, scheduled or gone: nothing to do (why).
    Done(String),
    /// The facts changed since the plan (which ones).
    Drifted(String),
    /// A waiting item whose object still lists what it waits for (which).
    NotYet(String),
}

/// Compares the object as read at `at` (`None`: not found) with the plan item.
pub fn check(item: &PlanItem, object: Option<&Resource>, at: jiff::Timestamp) -> Check {
    let Some(r) = object else {
        return Check::Done("the object is gone".into());
    };
    if let Some(reason) = r.kind.room().done(r) {
        return Check::Done(reason);
    }
    // The anniversary a cancellation made now takes effect on: if the plan
    // was made just before one and apply runs just after, the reviewed date
    // no longer holds.
    let anniversary = r
        .billing
        .as_ref()
        .and_then(|b| b.next_bill_date)
        .map(|date| next_anniversary(date, at));
    if item.timing == Some(Timing::Anniversary) && anniversary != item.effective_date {
        let show = |d: Option<jiff::Timestamp>| d.map_or_else(|| "none".to_string(), date_text);
        return Check::Drifted(format!(
            "its anniversary moved from {} to {}",
            show(item.effective_date),
            show(anniversary)
        ));
    }
    if item.state == State::Waiting {
        return check_waiting(item, r);
    }
    let now = Observed::of(r);
    if fingerprint(r.kind, r.id, &now) == item.fingerprint {
        return Check::Proceed;
    }
    Check::Drifted(match &item.observed {
        Some(before) => format!("changed since the plan: {}", changed_facts(before, &now)),
        None => "changed since the plan".into(),
    })
}

/// A waiting item is compared with its facts as they will be once what it
/// waits for is gone: those occupants leave, nothing else may change.
fn check_waiting(item: &PlanItem, r: &Resource) -> Check {
    let still: Vec<String> = r
        .occupants
        .iter()
        .filter(|o| item.depends_on.contains(o))
        .map(ToString::to_string)
        .collect();
    if !still.is_empty() {
        return Check::NotYet(format!("still holds {}", still.join(", ")));
    }
    let Some(before) = expected_once_gone(item) else {
        return Check::Drifted("changed since the plan".into());
    };
    let now = Observed::of(r);
    if fingerprint(r.kind, r.id, &now) == fingerprint(r.kind, r.id, &before) {
        Check::Proceed
    } else {
        Check::Drifted(format!(
            "changed since the plan: {}",
            changed_facts(&before, &now)
        ))
    }
}

/// A waiting item's recorded facts without the occupants it waits for.
pub fn expected_once_gone(item: &PlanItem) -> Option<Observed> {
    let mut facts = item.observed.clone()?;
    facts.occupants.retain(|o| !item.depends_on.contains(o));
    Some(facts)
}

/// The names of the facts that differ, e.g. `tags, billing.recurring_fee`.
fn changed_facts(before: &Observed, after: &Observed) -> String {
    let (Ok(a), Ok(b)) = (serde_json::to_value(before), serde_json::to_value(after)) else {
        return "unknown".into();
    };
    let mut changed = Vec::new();
    differences("", &a, &b, &mut changed);
    if changed.is_empty() {
        "unknown".into()
    } else {
        changed.join(", ")
    }
}

/// Collects the dotted names of differing fields, one object level deep
/// per call (lists and scalars are compared whole).
fn differences(prefix: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let other = b.get(key).unwrap_or(&Value::Null);
                if value != other {
                    differences(&format!("{prefix}{key}."), value, other, out);
                }
            }
        }
        _ => out.push(prefix.trim_end_matches('.').to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;
    use crate::plan::observed::BillingItem;
    use crate::resolve::money::Money;

    fn at() -> jiff::Timestamp {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    fn resource() -> Resource {
        let mut r = Resource::new(Kind::VirtualGuest, 1);
        r.name = "a.example.com".into();
        r.billing =
            crate::kinds::read_billing_item(&serde_json::json!({"id": 9, "recurringFee": "1"}));
        r
    }

    fn item(r: &Resource) -> PlanItem {
        PlanItem {
            kind: r.kind,
            id: r.id,
            name: r.name.clone(),
            addresses: vec![],
            datacenter: None,
            state: State::Cancel,
            detail: None,
            timing: None,
            effective_date: None,
            call: None,
            reason: None,
            note: None,
            billing_item: r.billing.as_ref().map(BillingItem::of),
            monthly_fee: Some(Money::ZERO),
            monthly_fee_estimated: false,
            origins: vec![],
            depends_on: vec![],
            fingerprint: fingerprint(r.kind, r.id, &Observed::of(r)),
            observed: Some(Observed::of(r)),
        }
    }

    /// An unchanged active object proceeds; a renamed one has drifted.
    #[test]
    fn drift() {
        let r = resource();
        let planned = item(&r);
        assert_eq!(check(&planned, Some(&r), at()), Check::Proceed);
        let mut renamed = r.clone();
        renamed.tags = vec!["new".into()];
        assert_eq!(
            check(&planned, Some(&renamed), at()),
            Check::Drifted("changed since the plan: tags".into())
        );
    }

    /// Gone, unbilled and scheduled objects count as done.
    #[test]
    fn done_states() {
        let r = resource();
        let planned = item(&r);
        assert!(matches!(check(&planned, None, at()), Check::Done(_)));
        let mut unbilled = r.clone();
        unbilled.billing = None;
        assert!(matches!(
            check(&planned, Some(&unbilled), at()),
            Check::Done(_)
        ));
        let mut scheduled = r;
        scheduled.billing.as_mut().unwrap().cancellation_date =
            Some("2026-12-01T06:00:00Z".parse().unwrap());
        assert_eq!(
            check(&planned, Some(&scheduled), at()),
            Check::Done("cancellation scheduled for 2026-12-01".into())
        );
    }

    /// An anniversary that passed between plan and apply moves the
    /// cancellation a month on: drift, even when the API still shows the old date.
    #[test]
    fn anniversary_passed_since_the_plan() {
        let mut r = resource();
        let bill: jiff::Timestamp = "2026-12-01T06:00:00Z".parse().unwrap();
        r.billing.as_mut().unwrap().next_bill_date = Some(bill);
        let mut planned = item(&r);
        planned.timing = Some(Timing::Anniversary);
        planned.effective_date = Some(bill);
        let before: jiff::Timestamp = "2026-11-30T12:00:00Z".parse().unwrap();
        assert_eq!(check(&planned, Some(&r), before), Check::Proceed);
        let after: jiff::Timestamp = "2026-12-02T12:00:00Z".parse().unwrap();
        assert_eq!(
            check(&planned, Some(&r), after),
            Check::Drifted("its anniversary moved from 2026-12-01 to 2027-01-01".into())
        );
    }
}
