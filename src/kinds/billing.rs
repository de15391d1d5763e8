//! Reading the billing item every kind but LBaaS carries: one mask, one
//! reader, so every kind sees the same billing facts.

use jiff::Timestamp;
use serde_json::Value;

use super::json;
use crate::resolve::money::Money;
use crate::resolve::resource::{BillingFacts, ChildItem};

/// The billing item facts every kind asks for (see [`BillingFacts`]).
macro_rules! billing_item_mask {
    ($key:literal) => {
        concat!(
            $key,
            "[id,categoryCode,description,recurringFee,hourlyRecurringFee,hourlyFlag,",
            "createDate,nextBillDate,cancellationDate,allowCancellationFlag,parentId,",
            "activeCancellationItem[id,cancellationRequestId],",
            "children[id,categoryCode,description,recurringFee,cancellationDate]]"
        )
    };
}
pub(crate) use billing_item_mask;

/// Reads a billing item object; `None` without an id. A fee that cannot
/// be read is recorded as such (`unreadable`), never as zero.
pub(crate) fn read_billing_item(item: &Value) -> Option<BillingFacts> {
    let id = json::id(item.get("id"))?;
    let mut unreadable = Vec::new();
    let mut fee = |what: String, value: Option<&Value>| match Money::read_fee(value) {
        Ok(amount) => Some(amount),
        Err(why) => {
            unreadable.push(format!("{what} is {why}"));
            None
        }
    };
    let mut children: Vec<ChildItem> = item
        .get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|child| json::timestamp(child.get("cancellationDate")).is_none())
        .filter_map(|child| {
            let id = json::id(child.get("id"))?;
            Some(ChildItem {
                id,
                category: json::text(child.get("categoryCode")).unwrap_or_default(),
                description: json::text(child.get("description")),
                recurring_fee: fee(
                    format!("child item {id} recurringFee"),
                    child.get("recurringFee"),
                ),
            })
        })
        .collect();
    children.sort_by_key(|c| c.id);
    children.dedup_by_key(|c| c.id);
    let recurring_fee = fee("recurringFee".into(), item.get("recurringFee"));
    // An hourly rate is only sent for hourly items: absent is no rate.
    let hourly_fee = item
        .get("hourlyRecurringFee")
        .filter(|v| !v.is_null())
        .and_then(|v| fee("hourlyRecurringFee".into(), Some(v)));
    unreadable.sort();
    Some(BillingFacts {
        id,
        category: json::text(item.get("categoryCode")).unwrap_or_default(),
        description: json::text(item.get("description")),
        recurring_fee,
        hourly_fee,
        unreadable,
        hourly: json::flag(item.get("hourlyFlag")).unwrap_or(false),
        next_bill_date: json::timestamp(item.get("nextBillDate")),
        cancellation_date: json::timestamp(item.get("cancellationDate")),
        // SoftLayer omits the flag on some item types; absent means allowed.
        allow_cancellation: json::flag(item.get("allowCancellationFlag")).unwrap_or(true),
        cancellation_requested: json::at(item, &["activeCancellationItem"]).is_some(),
        cancellation_request: json::id(json::at(
            item,
            &["activeCancellationItem", "cancellationRequestId"],
        )),
        parent_id: json::id(item.get("parentId")).filter(|id| *id != 0),
        children,
    })
}

/// The billing item of an object, unless it is cancelled already (a past
/// cancellation date): SoftLayer stops showing those as the object's item.
pub(crate) fn billing_of(object: &Value, key: &str, now: Timestamp) -> Option<BillingFacts> {
    let facts = read_billing_item(json::at(object, &[key])?)?;
    match facts.cancellation_date {
        Some(date) if date <= now => None,
        _ => Some(facts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Children's fees go with the parent; cancelled children do not.
    #[test]
    fn monthly_fee_includes_active_children() {
        let item = json!({"id": 1, "recurringFee": "100.00", "hourlyFlag": false,
            "children": [{"id": 2, "recurringFee": "20.50"},
                         {"id": 3, "recurringFee": "5", "cancellationDate": "2020-01-01T00:00:00-06:00"}]});
        let facts = read_billing_item(&item).unwrap();
        assert_eq!(
            facts.monthly_fee(),
            Some((Money::parse("120.50").unwrap(), false))
        );
        assert_eq!(facts.children.len(), 1);
    }

    /// An hourly item without a monthly fee is estimated over 730 hours.
    #[test]
    fn hourly_items_are_estimated() {
        let item =
            json!({"id": 1, "recurringFee": "0", "hourlyRecurringFee": ".062", "hourlyFlag": true});
        let (fee, estimated) = read_billing_item(&item).unwrap().monthly_fee().unwrap();
        assert_eq!(fee.exact(), "45.26");
        assert!(estimated);
    }

    /// A fee that cannot be read (missing, "None", negative, absurd, on the
    /// item or a child) makes the monthly fee unknown, and says which.
    #[test]
    fn unreadable_fees_make_the_fee_unknown() {
        for (item, why) in [
            (json!({"id": 1}), "recurringFee is missing"),
            (
                json!({"id": 1, "recurringFee": "None"}),
                "recurringFee is \"None\", not an amount",
            ),
            (
                json!({"id": 1, "recurringFee": "-5"}),
                "recurringFee is -5, a negative amount",
            ),
            (
                json!({"id": 1, "recurringFee": "1", "children": [{"id": 2}]}),
                "child item 2 recurringFee is missing",
            ),
            (
                json!({"id": 1, "recurringFee": "0", "hourlyFlag": true, "hourlyRecurringFee": "x"}),
                "hourlyRecurringFee is \"x\", not an amount",
            ),
        ] {
            let facts = read_billing_item(&item).unwrap();
            assert_eq!(facts.monthly_fee(), None, "{item}");
            assert_eq!(facts.unreadable, [why.to_string()], "{item}");
        }
    }

    /// A billing item cancelled in the past is no longer the object's item.
    #[test]
    fn past_cancellations_hide_the_item() {
        let now: Timestamp = "2026-11-22T00:00:00Z".parse().unwrap();
        let obj =
            json!({"billingItem": {"id": 9, "cancellationDate": "2026-11-01T00:00:00-06:00"}});
        assert!(billing_of(&obj, "billingItem", now).is_none());
        let obj =
            json!({"billingItem": {"id": 9, "cancellationDate": "2026-12-01T00:00:00-06:00"}});
        assert!(billing_of(&obj, "billingItem", now).is_some());
    }
}
