//! `slretire status`: where each retirement stands, read back from the
//! account. The kind's room says how its objects show a cancellation
//! (`ResourceKind::standing`); the rules here turn that, the date the
//! cancellation was due and what this tool did, into one status.

use jiff::Timestamp;
use serde::Serialize;

use super::tracked::Tracked;
use crate::apply::check::{Check, check};
use crate::apply::reread::{Target, read_back};
use crate::kinds::Standing;
use crate::plan::anniversary::date_text;
use crate::resolve::fetch::{Api, FetchError};
use crate::resolve::money::Money;
use crate::resolve::resource::Resource;

/// Where one retirement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Billing stopped: the object is gone, or has no active billing item.
    Reclaimed,
    /// A cancellation is under way: dated, or an LBaaS deletion in progress.
    Pending,
    /// A cancellation ticket or request is open, with no date yet.
    TicketOpen,
    /// Its cancellation was due and it is still billed: a problem.
    StillBilled,
    /// Not cancelled: never applied, or reverted.
    Active,
    /// Not cancelled, and changed since the plan (apply would skip it).
    Drifted,
}

impl Status {
    /// Every status, in the order summaries list them.
    pub const ALL: [Status; 6] = [
        Status::Reclaimed,
        Status::Pending,
        Status::TicketOpen,
        Status::StillBilled,
        Status::Active,
        Status::Drifted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reclaimed => "reclaimed",
            Status::Pending => "pending",
            Status::TicketOpen => "ticket_open",
            Status::StillBilled => "still_billed",
            Status::Active => "active",
            Status::Drifted => "drifted",
        }
    }
}

/// One retirement and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub tracked: Tracked,
    pub status: Status,
    /// Why, in words.
    pub detail: String,
    /// The date a pending cancellation takes effect.
    pub date: Option<Timestamp>,
}

/// Every retirement followed, at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub account: u64,
    pub at: Timestamp,
    /// The files the retirements came from.
    pub sources: Vec<String>,
    pub rows: Vec<Row>,
}

impl Report {
    /// How many rows have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }

    /// The known monthly fees of the reclaimed rows (billing stopped) and
    /// of the others (still to retire), and how many fees are unknown.
    pub fn fees(&self) -> (Money, Money, usize) {
        let sum = |reclaimed: bool| {
            self.rows
                .iter()
                .filter(|r| (r.status == Status::Reclaimed) == reclaimed)
                .filter_map(|r| r.tracked.monthly_fee)
                .sum()
        };
        let unknown = self
            .rows
            .iter()
            .filter(|r| r.tracked.monthly_fee.is_none())
            .count();
        (sum(true), sum(false), unknown)
    }
}

/// Reads every retirement back (batched per kind, as apply re-reads) and
/// judges each at `now`.
pub fn status(
    api: &dyn Api,
    tracked: Vec<Tracked>,
    now: Timestamp,
) -> Result<Vec<Row>, FetchError> {
    let targets: Vec<Target> = tracked
        .iter()
        .map(|t| Target {
            kind: t.kind,
            id: t.id,
            uuid: t.uuid.clone(),
        })
        .collect();
    let reads = read_back(api, &targets, now);
    tracked
        .into_iter()
        .zip(reads)
        .map(|(t, read)| {
            let object = read?;
            let (status, detail, date) = judge(&t, object.as_ref(), now);
            Ok(Row {
                tracked: t,
                status,
                detail,
                date,
            })
        })
        .collect()
}

/// Where `t` stands, given its object as read at `now` (`None`: gone).
pub fn judge(
    t: &Tracked,
    object: Option<&Resource>,
    now: Timestamp,
) -> (Status, String, Option<Timestamp>) {
    let Some(r) = object else {
        return (Status::Reclaimed, "gone from the account".into(), None);
    };
    let due = t.due();
    let passed = due.filter(|d| *d <= now);
    match r.kind.room().standing(r) {
        Standing::Reclaimed(why) => (Status::Reclaimed, why, None),
        Standing::Pending(date, why) => {
            let planned = match (date, t.effective_date) {
                (Some(date), Some(planned)) if date != planned => {
                    format!(" (planned for {})", date_text(planned))
                }
                _ => String::new(),
            };
            (Status::Pending, format!("{why}{planned}"), date)
        }
        Standing::TicketOpen(why) => match passed {
            Some(due) => (
                Status::StillBilled,
                format!(
                    "{why}, but its cancellation was due on {} and it is still billed",
                    date_text(due)
                ),
                None,
            ),
            None => (Status::TicketOpen, why, None),
        },
        Standing::Active => active(t, r, passed, now),
    }
}

/// An object nothing cancels: reverted, a cancellation that did not hold,
/// never applied, or changed since the plan.
fn active(
    t: &Tracked,
    r: &Resource,
    passed: Option<Timestamp>,
    now: Timestamp,
) -> (Status, String, Option<Timestamp>) {
    if let Some(voided) = t.voided_at {
        return (
            Status::Active,
            format!(
                "reverted: slretire voided its cancellation on {}",
                date_text(voided)
            ),
            None,
        );
    }
    if let Some(cancelled) = t.cancelled_at {
        let made = date_text(cancelled);
        return match passed {
            Some(due) => (
                Status::StillBilled,
                format!(
                    "slretire cancelled it on {made}, due on {}, but it is still billed and no cancellation is in place",
                    date_text(due)
                ),
                None,
            ),
            None => (
                Status::Active,
                format!(
                    "slretire cancelled it on {made}, but no cancellation is in place any more"
                ),
                None,
            ),
        };
    }
    match t.planned.as_ref().map(|item| check(item, Some(r), now)) {
        Some(Check::Drifted(why)) => (Status::Drifted, why, None),
        Some(Check::NotYet(why)) => (
            Status::Active,
            format!("not cancelled: waiting, {why}"),
            None,
        ),
        _ => (Status::Active, "not cancelled".into(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;
    use crate::plan::model::Timing;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn tracked(kind: Kind) -> Tracked {
        Tracked {
            kind,
            id: 1,
            uuid: None,
            name: "x".into(),
            monthly_fee: None,
            timing: Some(Timing::Anniversary),
            effective_date: Some(at("2026-12-01T06:00:00Z")),
            planned: None,
            plan: "sha256:ab".into(),
            cancelled_at: Some(at("2026-11-22T12:00:00Z")),
            voided_at: None,
        }
    }

    fn billed(date: Option<&str>) -> Resource {
        let mut r = Resource::new(Kind::Storage, 1);
        let mut item = serde_json::json!({"id": 9, "recurringFee": "1"});
        if let Some(date) = date {
            item["cancellationDate"] = date.into();
        }
        r.billing = crate::kinds::read_billing_item(&item);
        r
    }

    /// Gone and unbilled objects are reclaimed; a dated cancellation is
    /// pending with its date; an open ticket is open until its date
    /// passes, then still billed.
    #[test]
    fn standings() {
        let t = tracked(Kind::Storage);
        let before = at("2026-11-25T00:00:00Z");
        let after = at("2026-12-02T00:00:00Z");
        assert_eq!(judge(&t, None, before).0, Status::Reclaimed);
        let mut unbilled = billed(None);
        unbilled.billing = None;
        assert_eq!(judge(&t, Some(&unbilled), before).0, Status::Reclaimed);
        let pending = judge(&t, Some(&billed(Some("2026-12-01T00:00:00-06:00"))), before);
        assert_eq!(
            (pending.0, pending.2),
            (Status::Pending, Some(at("2026-12-01T06:00:00Z")))
        );
        let mut ticket = billed(None);
        ticket.open_ticket = Some(77);
        let mut hardware = tracked(Kind::Hardware);
        hardware.cancelled_at = None;
        assert_eq!(
            judge(&hardware, Some(&ticket), before).0,
            Status::TicketOpen
        );
        let late = judge(&hardware, Some(&ticket), after);
        assert_eq!(late.0, Status::StillBilled, "{}", late.1);
    }

    /// An active object: still billed when this tool's cancellation was
    /// due and did not hold; active when reverted or never applied.
    #[test]
    fn active_objects() {
        let t = tracked(Kind::Storage);
        let active = billed(None);
        let after = at("2026-12-02T00:00:00Z");
        assert_eq!(judge(&t, Some(&active), after).0, Status::StillBilled);
        assert_eq!(
            judge(&t, Some(&active), at("2026-11-23T00:00:00Z")).0,
            Status::Active
        );
        let mut reverted = t.clone();
        reverted.cancelled_at = None;
        reverted.voided_at = Some(at("2026-11-23T00:00:00Z"));
        let (status, why, _) = judge(&reverted, Some(&active), after);
        assert_eq!(status, Status::Active);
        assert!(why.starts_with("reverted"), "{why}");
        let mut never = t;
        never.cancelled_at = None;
        assert_eq!(
            judge(&never, Some(&active), after),
            (Status::Active, "not cancelled".into(), None)
        );
    }
}
