//! `slretire revert`: taking back the pending cancellations this tool made.
//! Plan-first, like apply: every cancellation is read back and sorted into
//! what will be voided (with the call), what cannot be undone (and why) and
//! what has nothing to undo; the operator approves; each void is checked
//! against a fresh read, sent once, and settled by reading back when its
//! answer is not a clear success. How a kind's cancellation is voided, and
//! why some cannot be, is its room's answer (`ResourceKind::void_call`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use jiff::Timestamp;

use super::tracked::Tracked;
use crate::apply::reread::{Reread, Target, read_back};
use crate::apply::{ActionResult, Outcome, Writer};
use crate::kinds::Standing;
use crate::plan::model::{ApiCall, Timing};
use crate::resolve::fetch::Api;
use crate::resolve::resource::Resource;

/// What revert can do about one cancellation.
#[derive(Debug, Clone, PartialEq)]
pub enum Undo {
    /// Void it with this call.
    Void(ApiCall),
    /// It cannot be undone (why).
    Cannot(String),
    /// There is nothing to undo (why): not cancelled by this tool, or not
    /// cancelled any more.
    Nothing(String),
}

/// One cancellation and what revert can do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub tracked: Tracked,
    pub undo: Undo,
    /// Where it stands now, in words.
    pub standing: String,
}

/// Reads every retirement back and decides what revert can do about each.
pub fn plan(api: &dyn Api, tracked: Vec<Tracked>, now: Timestamp) -> Result<Vec<Step>, String> {
    let reads = read_back(api, &targets(&tracked), now);
    tracked
        .into_iter()
        .zip(reads)
        .map(|(t, read)| {
            let object = read.map_err(|e| e.to_string())?;
            let (undo, standing) = decide(&t, object.as_ref());
            Ok(Step {
                tracked: t,
                undo,
                standing,
            })
        })
        .collect()
}

fn targets(tracked: &[Tracked]) -> Vec<Target> {
    tracked
        .iter()
        .map(|t| Target {
            kind: t.kind,
            id: t.id,
            uuid: t.uuid.clone(),
        })
        .collect()
}

/// What can be done about `t`, whose object reads as `object` (`None`:
/// gone), and where it stands.
pub fn decide(t: &Tracked, object: Option<&Resource>) -> (Undo, String) {
    let immediate = t.timing == Some(Timing::Immediate);
    let Some(r) = object else {
        let why = if immediate {
            "cancelled immediately and gone from the account: it cannot be undone"
        } else {
            "gone from the account: it cannot be undone"
        };
        return (Undo::Cannot(why.into()), "gone".into());
    };
    let standing = r.kind.room().standing(r);
    let words = match &standing {
        Standing::Reclaimed(why) | Standing::Pending(_, why) | Standing::TicketOpen(why) => {
            why.clone()
        }
        Standing::Active => "not cancelled".into(),
    };
    if t.cancelled_at.is_none() {
        let why = match t.voided_at {
            Some(_) => "slretire voided its cancellation already",
            None => "slretire has no record of cancelling it (no journal line)",
        };
        return (Undo::Nothing(why.into()), words);
    }
    let undo = match standing {
        Standing::Active => Undo::Nothing("not cancelled any more".into()),
        // An immediate cancellation took effect when it was made, whatever
        // the object still shows while it is reclaimed.
        _ if immediate => Undo::Cannot(
            "cancelled immediately: billing stopped and it is being reclaimed; it cannot be undone"
                .into(),
        ),
        Standing::Reclaimed(_) => {
            Undo::Cannot("its cancellation took effect: it cannot be undone".into())
        }
        Standing::Pending(..) | Standing::TicketOpen(_) => match r.kind.room().void_call(r) {
            Ok(call) => Undo::Void(call),
            Err(why) => Undo::Cannot(why),
        },
    };
    (undo, words)
}

/// Follows the voids as they happen (progress, journal).
pub trait Observer {
    /// A void reached its outcome.
    fn finished(&self, step: &Step, call: &ApiCall, result: &ActionResult);
    /// Whether the observer can no longer keep track (the journal cannot
    /// be written): no further void starts then.
    fn failed(&self) -> bool {
        false
    }
}

/// Performs the voids of `steps`, one at a time: each is read again first
/// and sent only when the object still shows the same pending
/// cancellation; a void whose answer is not a clear success is settled by
/// reading the object back, never sent twice. Results index `steps`.
pub fn perform(
    api: &dyn Api,
    writer: &dyn Writer,
    steps: &[Step],
    observer: &dyn Observer,
    stop: &AtomicBool,
    now: Timestamp,
) -> Vec<ActionResult> {
    let voids: Vec<usize> = (0..steps.len())
        .filter(|&i| matches!(steps[i].undo, Undo::Void(_)))
        .collect();
    let tracked: Vec<Tracked> = voids.iter().map(|&i| steps[i].tracked.clone()).collect();
    let reads = read_back(api, &targets(&tracked), now);
    let mut results = Vec::new();
    for (&i, read) in voids.iter().zip(reads) {
        let Undo::Void(call) = &steps[i].undo else {
            continue;
        };
        let started = Instant::now();
        if stop.load(Ordering::SeqCst) || observer.failed() {
            stop.store(true, Ordering::SeqCst);
            let result = finish(
                i,
                Outcome::Skipped,
                "interrupted before this void".into(),
                0,
                started,
            );
            observer.finished(&steps[i], call, &result);
            results.push(result);
            continue;
        }
        let result = void_one(api, writer, &steps[i], call, read, now, i, started);
        observer.finished(&steps[i], call, &result);
        results.push(result);
    }
    results
}

#[allow(clippy::too_many_arguments)]
fn void_one(
    api: &dyn Api,
    writer: &dyn Writer,
    step: &Step,
    call: &ApiCall,
    read: Reread,
    now: Timestamp,
    index: usize,
    started: Instant,
) -> ActionResult {
    let object = match read {
        Ok(object) => object,
        Err(e) => {
            return finish(
                index,
                Outcome::Failed,
                format!("could not read the object before voiding: {e}"),
                0,
                started,
            );
        }
    };
    match decide(&step.tracked, object.as_ref()) {
        (Undo::Void(same), _) if same == *call => {}
        (Undo::Nothing(why), _) => return finish(index, Outcome::AlreadyDone, why, 0, started),
        (_, standing) => {
            return finish(
                index,
                Outcome::Drifted,
                format!("changed since it was shown ({standing}); run revert again"),
                0,
                started,
            );
        }
    }
    let Err(error) = writer.write(call) else {
        let detail = format!("{}::{} succeeded", call.service, call.method);
        return finish(index, Outcome::Voided, detail, 1, started);
    };
    let settled = read_back(api, &targets(std::slice::from_ref(&step.tracked)), now)
        .pop()
        .unwrap_or(Ok(None));
    match settled {
        Ok(Some(r)) if r.kind.room().standing(&r) == Standing::Active => finish(
            index,
            Outcome::Voided,
            format!("confirmed by reading it back after: {error}"),
            1,
            started,
        ),
        Ok(_) => finish(index, Outcome::Failed, error.to_string(), 1, started),
        Err(read_error) => finish(
            index,
            Outcome::Failed,
            format!(
                "{error}; reading the object back failed: {read_error}; run revert again to settle it"
            ),
            1,
            started,
        ),
    }
}

fn finish(
    index: usize,
    outcome: Outcome,
    detail: String,
    attempts: u32,
    started: Instant,
) -> ActionResult {
    ActionResult {
        index,
        outcome,
        detail,
        attempts,
        elapsed: started.elapsed(),
        finished_at: Timestamp::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;

    fn tracked(kind: Kind, timing: Timing) -> Tracked {
        Tracked {
            kind,
            id: 1,
            uuid: None,
            name: "x".into(),
            monthly_fee: None,
            timing: Some(timing),
            effective_date: None,
            planned: None,
            plan: "sha256:ab".into(),
            cancelled_at: Some("2026-11-22T12:00:00Z".parse().unwrap()),
            voided_at: None,
        }
    }

    fn pending(kind: Kind) -> Resource {
        let mut r = Resource::new(kind, 1);
        r.billing = crate::kinds::read_billing_item(&serde_json::json!({
            "id": 9, "recurringFee": "1", "cancellationDate": "2026-12-01T00:00:00-06:00"
        }));
        r
    }

    /// A pending storage cancellation is voided with voidCancelService;
    /// a server's goes through sales, a subnet's cannot be undone, an
    /// immediate one is gone; an active object has nothing to undo.
    #[test]
    fn what_can_be_undone() {
        let anniversary =
            |kind| decide(&tracked(kind, Timing::Anniversary), Some(&pending(kind))).0;
        match anniversary(Kind::Storage) {
            Undo::Void(call) => assert_eq!(
                call.to_string(),
                "SoftLayer_Billing_Item(9)::voidCancelService()"
            ),
            other => panic!("{other:?}"),
        }
        for kind in [Kind::VirtualGuest, Kind::Hardware] {
            assert!(
                matches!(anniversary(kind), Undo::Cannot(why) if why.contains("sales")),
                "{kind}"
            );
        }
        assert!(matches!(anniversary(Kind::Subnet), Undo::Cannot(_)));
        assert!(matches!(
            decide(&tracked(Kind::VirtualGuest, Timing::Immediate), None).0,
            Undo::Cannot(why) if why.starts_with("cancelled immediately")
        ));
        let mut active = pending(Kind::Storage);
        active.billing.as_mut().unwrap().cancellation_date = None;
        assert!(matches!(
            decide(&tracked(Kind::Storage, Timing::Anniversary), Some(&active)).0,
            Undo::Nothing(_)
        ));
        let mut unrecorded = tracked(Kind::Storage, Timing::Anniversary);
        unrecorded.cancelled_at = None;
        assert!(matches!(
            decide(&unrecorded, Some(&pending(Kind::Storage))).0,
            Undo::Nothing(why) if why.contains("no record")
        ));
    }
}
