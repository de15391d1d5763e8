//! Building the plan from the manifests and what resolving selected: one
//! state per resource, the preconditions that decide it, and the guards
//! that fail the whole plan. Pure: the same inputs give the same plan.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::anniversary::{date_text, next_anniversary};
use super::code::Code;
use super::digest::{fingerprint, seal};
use super::model::{
    ApiCall, ExcludedObject, FORMAT_VERSION, Plan, PlanAccount, PlanClock, PlanError, PlanItem,
    PlanManifest, State, Summary, Timing,
};
use super::observed::{BillingItem, Observed};
use super::retired::{self, Retired};
use crate::kinds::{Kind, Unbilled};
use crate::manifest::model::{CancelOptions, Entry, LimitScope, Manifests, Via, When};
use crate::resolve::money::Money;
use crate::resolve::resource::{ObjectRef, Resource};
use crate::resolve::select::CompiledSelector;
use crate::resolve::selection::{Excluded, MissingRef, Selection};

/// What the plan is made against, besides the manifests.
#[derive(Debug, Clone)]
pub struct PlanContext {
    pub account: PlanAccount,
    pub endpoint: String,
    pub now: Timestamp,
    /// Whose time `now` is.
    pub clock: PlanClock,
    /// What earlier applies retired (from the journal): counted toward
    /// `expect` and reported as done when gone from the account.
    pub retired: Vec<Retired>,
}

/// Builds the plan. Guard failures are recorded in `errors`; the plan is
/// still complete so reviewers can see why it failed.
pub fn build(manifests: &Manifests, selection: &Selection, context: &PlanContext) -> Plan {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let protect: Vec<(Option<Kind>, CompiledSelector, String)> = manifests
        .protect
        .iter()
        .map(|rule| {
            (
                rule.kind,
                CompiledSelector::new(&rule.selector, context.now),
                rule.origin.to_string(),
            )
        })
        .collect();

    let mut items: Vec<PlanItem> = Vec::new();
    let mut first_pass: Vec<Pending> = Vec::new();
    for selected in &selection.selected {
        // Entries in origin order, so merging does not depend on how the
        // manifests happened to list them.
        let mut entries: Vec<&Entry> = selected
            .entries
            .iter()
            .map(|&i| &manifests.entries[i])
            .collect();
        entries.sort_by(|a, b| a.origin.cmp(&b.origin));
        let options = merge_options(&selected.resource, &entries, &mut errors, &mut warnings);
        let origins: Vec<String> = entries.iter().map(|e| e.origin.to_string()).collect();
        let explicit = entries.iter().any(|e| e.selector.is_explicit());
        let protected_by = protect
            .iter()
            .find(|(kind, sel, _)| {
                kind.is_none_or(|k| k == selected.resource.kind) && sel.matches(&selected.resource)
            })
            .map(|(_, _, origin)| origin.clone());
        if let (Some(rule), true) = (&protected_by, explicit) {
            errors.push(PlanError {
                code: Code::ProtectedSelected,
                message: format!(
                    "{} {} is protected by {rule} but selected explicitly by id or ip",
                    selected.resource.kind, selected.resource.id
                ),
                origins: origins.clone(),
            });
        }
        first_pass.push(Pending {
            resource: &selected.resource,
            options,
            origins,
            protected_by,
        });
    }

    // Items whose decision depends on other items (VLANs, subnets, dedicated
    // hosts wait for their occupants) are decided after the others, wave by
    // wave: occupants are always of kinds of an earlier wave.
    let mut decided: BTreeMap<ObjectRef, State> = BTreeMap::new();
    let selected: BTreeMap<ObjectRef, bool> = first_pass
        .iter()
        .map(|p| (p.resource.reference(), p.protected_by.is_some()))
        .collect();
    first_pass.sort_by_key(|p| p.resource.kind.room().wave());
    for pending in &first_pass {
        let item = decide(pending, &decided, &selected, context.now);
        decided.insert(pending.resource.reference(), item.state);
        items.push(item);
    }

    let retired = retired::items(manifests, &items, &context.retired);
    for missing in &selection.missing {
        let entry = &manifests.entries[missing.entry];
        match missing.what {
            // Gone because an earlier apply retired it: no surprise.
            MissingRef::Id(id) if retired.iter().any(|i| i.kind == entry.kind && i.id == id) => {}
            MissingRef::Id(id) => {
                warnings.push(format!(
                    "{}: {} {id} was not found on the account",
                    entry.origin, entry.kind
                ));
                let already = items.iter().any(|i| i.kind == entry.kind && i.id == id);
                if !already {
                    items.push(absent_item(entry, id));
                }
            }
            // Its creation date could not be read: that warning says why.
            MissingRef::Excluded(id)
                if selection
                    .undated
                    .iter()
                    .any(|u| u.entry == missing.entry && u.id == id) => {}
            MissingRef::Excluded(id) => {
                warnings.push(format!(
                    "{}: {} {id} exists but the entry's other keys do not select it",
                    entry.origin, entry.kind
                ));
            }
            MissingRef::Ip(ip) => {
                warnings.push(format!(
                    "{}: no {} has the address {ip}",
                    entry.origin, entry.kind
                ));
            }
        }
    }
    for undated in &selection.undated {
        let entry = &manifests.entries[undated.entry];
        let key = if entry.selector.older_than.is_some() {
            "older_than"
        } else {
            "created_before"
        };
        warnings.push(format!(
            "{}: {} {} ({}) has no readable creation date, so `{key}` cannot judge it; it is not selected",
            entry.origin,
            undated.kind,
            undated.id,
            undated.name
        ));
    }
    items.extend(retired.iter().cloned());
    items.sort_by(|a, b| (a.kind, a.id, a.uuid()).cmp(&(b.kind, b.id, b.uuid())));
    cut_off(&items, context.now, &mut warnings);
    unknown_fees(&items, &mut warnings);
    ambiguous_ids(manifests, &items, &mut errors);
    same_billing_item(&items, &mut errors);
    expectations(
        manifests,
        selection,
        &items,
        &retired,
        &mut errors,
        &mut warnings,
    );
    limits(manifests, &items, &mut errors);
    warnings.sort_by_key(|w| origin_order(w));
    let summary = summarise(&items);

    seal(Plan {
        format_version: FORMAT_VERSION.to_string(),
        slretire_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: context.now,
        clock: context.clock,
        account: context.account.clone(),
        endpoint: context.endpoint.clone(),
        manifests: manifests
            .files
            .iter()
            .zip(&manifests.digests)
            .map(|(path, sha256)| PlanManifest {
                path: path.clone(),
                sha256: sha256.clone(),
            })
            .collect(),
        targets: Vec::new(),
        summary,
        items,
        excluded: excluded_objects(manifests, &selection.excluded),
        warnings,
        errors,
        digest: String::new(),
        signature: None,
    })
}

/// What the entries' `exclude` left out, each object once with every
/// entry that left it out (in origin order).
fn excluded_objects(manifests: &Manifests, excluded: &[Excluded]) -> Vec<ExcludedObject> {
    let mut objects: Vec<ExcludedObject> = excluded
        .iter()
        .map(|x| {
            let mut origins: Vec<&crate::manifest::model::Origin> = x
                .entries
                .iter()
                .map(|&e| &manifests.entries[e].origin)
                .collect();
            origins.sort();
            ExcludedObject {
                kind: x.resource.kind,
                id: x.resource.id,
                name: x.resource.name.clone(),
                excluded_from: origins.iter().map(ToString::to_string).collect(),
            }
        })
        .collect();
    objects.sort_by(|a, b| (a.kind, a.id, &a.name).cmp(&(b.kind, b.id, &b.name)));
    objects
}

/// A selected resource with what the entries ask for it.
struct Pending<'a> {
    resource: &'a Resource,
    options: CancelOptions,
    origins: Vec<String>,
    protected_by: Option<String>,
}

/// Warnings in manifest order (file, then line), the ones about a single
/// object after them, each group in its original order.
fn origin_order(warning: &str) -> (u8, String, u32) {
    let mut parts = warning.splitn(3, ':');
    match (
        parts.next(),
        parts.next().and_then(|l| l.parse::<u32>().ok()),
    ) {
        (Some(file), Some(line)) => (0, file.to_string(), line),
        _ => (1, String::new(), 0),
    }
}

/// The options of several entries selecting one resource; `when` and `via`
/// must agree, reasons and notes are taken from the first entry that sets
/// them (notes are joined).
fn merge_options(
    r: &Resource,
    entries: &[&Entry],
    errors: &mut Vec<PlanError>,
    warnings: &mut Vec<String>,
) -> CancelOptions {
    let first = entries[0].options.clone();
    let origins = || {
        entries
            .iter()
            .map(|e| e.origin.to_string())
            .collect::<Vec<_>>()
    };
    for (name, differs) in [
        ("when", entries.iter().any(|e| e.options.when != first.when)),
        ("via", entries.iter().any(|e| e.options.via != first.via)),
    ] {
        if differs {
            errors.push(PlanError {
                code: Code::ContradictoryOptions,
                message: format!(
                    "{} {} is selected by entries that disagree on `{name}`",
                    r.kind, r.id
                ),
                origins: origins(),
            });
        }
    }
    if entries.iter().any(|e| e.options.reason != first.reason) {
        warnings.push(format!(
            "{} {}: entries give different reasons; using \"{}\" from {}",
            r.kind,
            r.id,
            first.reason.as_str(),
            entries[0].origin
        ));
    }
    let mut notes: Vec<String> = Vec::new();
    for e in entries {
        if let Some(n) = &e.options.note
            && !notes.contains(n)
        {
            notes.push(n.clone());
        }
    }
    CancelOptions {
        note: (!notes.is_empty()).then(|| notes.join("; ")),
        ..first
    }
}

/// Decides one resource's state and, for a cancellation, its call.
fn decide(
    p: &Pending<'_>,
    decided: &BTreeMap<ObjectRef, State>,
    selected: &BTreeMap<ObjectRef, bool>,
    now: Timestamp,
) -> PlanItem {
    let r = p.resource;
    let observed = Observed::of(r);
    let mut item = PlanItem {
        kind: r.kind,
        id: r.id,
        name: r.name.clone(),
        addresses: r.addresses.iter().map(ToString::to_string).collect(),
        datacenter: r.datacenter.clone(),
        state: State::Cancel,
        detail: None,
        timing: None,
        effective_date: None,
        call: None,
        reason: Some(p.options.reason.as_str().to_string()),
        note: p.options.note.clone(),
        billing_item: r.billing.as_ref().map(BillingItem::of),
        monthly_fee: Some(Money::ZERO),
        monthly_fee_estimated: false,
        origins: p.origins.clone(),
        depends_on: Vec::new(),
        fingerprint: fingerprint(r.kind, r.id, &observed),
        observed: Some(observed),
    };
    let judged = judge(
        r,
        &p.options,
        p.protected_by.as_deref(),
        decided,
        selected,
        now,
    );
    let (state, detail) = match judged {
        Err((state, detail, depends_on)) => {
            // A waiting item carries the call `apply --wait` makes once
            // what it waits for is gone, so reviewers approve that too.
            if state == State::Waiting
                && let Some((timing, call)) =
                    call_once_gone(r, &p.options, &depends_on, decided, selected, now)
            {
                item.timing = Some(timing);
                item.effective_date = effective_date(r, timing, now);
                item.call = Some(call);
            }
            item.depends_on = depends_on;
            (state, Some(detail))
        }
        Ok(timing) => match r.kind.room().cancel_call(r, timing, &p.options) {
            Some(call) => {
                item.timing = Some(timing);
                item.effective_date = effective_date(r, timing, now);
                item.call = Some(call);
                (State::Cancel, None)
            }
            None => (
                State::Blocked,
                Some("no cancel call fits this object (missing billing item or account id)".into()),
            ),
        },
    };
    item.state = state;
    item.detail = detail;
    if let Some(billing) = &r.billing {
        let fee = billing.monthly_fee();
        item.monthly_fee = fee.map(|(fee, _)| fee);
        item.monthly_fee_estimated = fee.is_some_and(|(_, estimated)| estimated);
    }
    if state == State::Scheduled {
        item.effective_date = r.billing.as_ref().and_then(|b| b.cancellation_date);
    }
    item
}

/// When a cancellation with `timing` takes effect: the next anniversary
/// for an anniversary cancellation, nothing to show for an immediate one.
fn effective_date(r: &Resource, timing: Timing, now: Timestamp) -> Option<Timestamp> {
    if timing != Timing::Anniversary {
        return None;
    }
    r.billing
        .as_ref()
        .and_then(|b| b.next_bill_date)
        .map(|date| next_anniversary(date, now))
}

/// The object as it will be once the objects in `gone` are gone: those
/// occupants no longer on it.
pub(crate) fn once_gone(r: &Resource, gone: &[ObjectRef]) -> Resource {
    let mut after = r.clone();
    after.occupants.retain(|o| !gone.contains(o));
    after
}

/// The timing and call of a waiting item once what it waits for is gone:
/// the same rules, judged on the object without those occupants. `None`
/// when no call follows then (an object that goes with another's
/// billing item waits for that one, and needs no call of its own).
pub(crate) fn call_once_gone(
    r: &Resource,
    options: &CancelOptions,
    depends_on: &[ObjectRef],
    decided: &BTreeMap<ObjectRef, State>,
    selected: &BTreeMap<ObjectRef, bool>,
    now: Timestamp,
) -> Option<(Timing, ApiCall)> {
    let after = once_gone(r, depends_on);
    let timing = judge(&after, options, None, decided, selected, now).ok()?;
    let call = r.kind.room().cancel_call(&after, timing, options)?;
    Some((timing, call))
}

/// Whether apply may perform the item: a cancellation, or a waiting item
/// with its call (`apply --wait`). Guards count both.
pub(crate) fn performed(item: &PlanItem) -> bool {
    item.call.is_some() && matches!(item.state, State::Cancel | State::Waiting)
}

/// Why an object is not cancelled: its state, the words, and the objects
/// it waits on or is blocked by.
pub(crate) type Refusal = (State, String, Vec<ObjectRef>);

/// The timing of the cancellation of `r`, or the state and reason that
/// prevent it: the generic rules, in order, with the kind's room asked at
/// each point where kinds differ. `selected` maps every object of the plan
/// to whether it is protected; `decided` holds the states of the objects
/// decided so far (earlier waves). Plan-file checks judge saved items
/// again with this same function.
pub(crate) fn judge(
    r: &Resource,
    options: &CancelOptions,
    protected_by: Option<&str>,
    decided: &BTreeMap<ObjectRef, State>,
    selected: &BTreeMap<ObjectRef, bool>,
    now: Timestamp,
) -> Result<Timing, Refusal> {
    let room = r.kind.room();
    let refuse = |state: State, detail: String| Err((state, detail, Vec::new()));
    if let Some(rule) = protected_by {
        return refuse(State::Protected, format!("protected by {rule}"));
    }
    if let Some((state, detail)) = room.refusal_before_billing(r, options) {
        return refuse(state, detail);
    }
    if let Some(ticket) = r.open_ticket {
        return refuse(
            State::Scheduled,
            format!("cancellation ticket {ticket} is open"),
        );
    }
    let Some(billing) = &r.billing else {
        return match room.unbilled(r) {
            Unbilled::CancelledByItsOwnCall => occupancy(r, decided).map(|()| Timing::Immediate),
            Unbilled::Blocked(why) => refuse(State::Blocked, why),
            Unbilled::Absent => refuse(
                State::Absent,
                "no active billing item: already cancelled".into(),
            ),
        };
    };
    if let Some(date) = billing.cancellation_date {
        return refuse(
            State::Scheduled,
            format!("cancellation scheduled for {}", date_text(date)),
        );
    }
    if billing.cancellation_requested {
        return refuse(
            State::Scheduled,
            "a cancellation request for it is open".into(),
        );
    }
    if let Some(why) = room.refusal_of_billing_item(billing) {
        return refuse(State::Blocked, why);
    }
    if let Some(parent) = billing.parent_id {
        return refuse(
            State::Blocked,
            format!(
                "billing item {} is a child item; cancel its parent {parent}",
                billing.id
            ),
        );
    }
    // A cancel-server ticket is SoftLayer's own remedy for items it will
    // not cancel through the API.
    if !billing.allow_cancellation && options.via != Via::Ticket {
        return refuse(
            State::Blocked,
            "SoftLayer does not allow cancelling this item through the API (allowCancellationFlag 0): submit a cancellation ticket".into(),
        );
    }
    shared_billing(r, selected)?;
    if r.active_transaction {
        return refuse(
            State::Blocked,
            "a transaction is running on it; plan again once it finished".into(),
        );
    }
    let timing = match (options.via, options.when) {
        (Via::Ticket, When::Immediate) => {
            return refuse(
                State::Blocked,
                "a cancel-server ticket cancels on the next bill date, not immediately".into(),
            );
        }
        (Via::Ticket, _) => Timing::Anniversary,
        (_, When::Immediate) => Timing::Immediate,
        (_, When::Anniversary) => Timing::Anniversary,
        (_, When::Auto) if r.is_hourly() => Timing::Immediate,
        (_, When::Auto) => Timing::Anniversary,
    };
    if let Some(why) = room.refusal_of_timing(r, billing, timing, now) {
        return refuse(State::Blocked, why);
    }
    occupancy(r, decided).map(|()| timing)
}

/// Objects billed by one billing item (VIPs of one dedicated device) go
/// together or not at all: the item cancels every one of them. All must be
/// in the plan and unprotected; the lowest id carries the cancellation and
/// the others wait for it.
fn shared_billing(r: &Resource, selected: &BTreeMap<ObjectRef, bool>) -> Result<(), Refusal> {
    if r.shares_billing_with.is_empty() {
        return Ok(());
    }
    let outside: Vec<ObjectRef> = r
        .shares_billing_with
        .iter()
        .filter(|o| selected.get(*o) != Some(&false))
        .cloned()
        .collect();
    if !outside.is_empty() {
        let list = describe(&outside);
        return Err((
            State::Blocked,
            format!(
                "its billing item also bills {list}, which this plan does not retire: cancelling it would cancel them too"
            ),
            outside,
        ));
    }
    let lead = r
        .shares_billing_with
        .iter()
        .chain([&r.reference()])
        .min()
        .cloned();
    match lead {
        Some(lead) if lead != r.reference() => Err((
            State::Waiting,
            format!("cancelled together with {lead}, which shares its billing item"),
            vec![lead],
        )),
        _ => Ok(()),
    }
}

/// Objects that must be gone first: waiting when all of them are retired
/// by this plan, blocked when any is not.
fn occupancy(r: &Resource, decided: &BTreeMap<ObjectRef, State>) -> Result<(), Refusal> {
    if r.occupants.is_empty() {
        return Ok(());
    }
    let retiring = |o: &ObjectRef| {
        decided.get(o).is_some_and(|s| {
            matches!(
                s,
                State::Cancel | State::Scheduled | State::Waiting | State::Absent
            )
        })
    };
    let outside: Vec<ObjectRef> = r
        .occupants
        .iter()
        .filter(|o| !retiring(o))
        .cloned()
        .collect();
    let what = r.kind.room().occupants_are();
    if outside.is_empty() {
        let list = describe(&r.occupants);
        Err((
            State::Waiting,
            format!("{what} retired by this plan must be gone first: {list}"),
            r.occupants.clone(),
        ))
    } else {
        let list = describe(&outside);
        Err((
            State::Blocked,
            format!("in use by {what} outside this plan: {list}"),
            outside,
        ))
    }
}

/// `2 virtual_guest (1, 2), 1 subnet (7)`, at most a handful of ids each.
fn describe(refs: &[ObjectRef]) -> String {
    let mut by_kind: BTreeMap<Kind, Vec<u64>> = BTreeMap::new();
    for r in refs {
        by_kind.entry(r.kind).or_default().push(r.id);
    }
    by_kind
        .iter()
        .map(|(kind, ids)| {
            let shown: Vec<String> = ids.iter().take(5).map(ToString::to_string).collect();
            let more = if ids.len() > 5 {
                format!(", +{} more", ids.len() - 5)
            } else {
                String::new()
            };
            format!("{} {kind} ({}{more})", ids.len(), shown.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn absent_item(entry: &Entry, id: u64) -> PlanItem {
    PlanItem {
        kind: entry.kind,
        id,
        name: String::new(),
        addresses: Vec::new(),
        datacenter: None,
        state: State::Absent,
        detail: Some("not found on the account".into()),
        timing: None,
        effective_date: None,
        call: None,
        reason: None,
        note: None,
        billing_item: None,
        monthly_fee: Some(Money::ZERO),
        monthly_fee_estimated: false,
        origins: vec![entry.origin.to_string()],
        depends_on: Vec::new(),
        fingerprint: String::new(),
        observed: None,
    }
}

/// Two different objects of one kind with one id (a legacy VIP and an
/// LBaaS instance) cannot both be addressed by `id`.
fn ambiguous_ids(manifests: &Manifests, items: &[PlanItem], errors: &mut Vec<PlanError>) {
    for pair in items.windows(2) {
        let by_id = manifests
            .entries
            .iter()
            .any(|e| e.kind == pair[0].kind && e.selector.ids.contains(&pair[0].id));
        if by_id && pair[0].kind == pair[1].kind && pair[0].id == pair[1].id {
            let mut origins: BTreeSet<String> = pair[0].origins.iter().cloned().collect();
            origins.extend(pair[1].origins.iter().cloned());
            errors.push(PlanError {
                code: Code::AmbiguousId,
                message: format!(
                    "{} id {} names two objects ({} and {}); select the LBaaS instance by name or uuid",
                    pair[0].kind, pair[0].id, pair[0].name, pair[1].name
                ),
                origins: origins.into_iter().collect(),
            });
        }
    }
}

/// How close to the bill date an anniversary cancellation may still count
/// for the current cycle ("2 or 3 days prior to your next bill date").
const CUT_OFF: jiff::SignedDuration = jiff::SignedDuration::from_hours(72);

/// Anniversary cancellations made within the cut-off of their bill date may
/// take effect a month later than the plan shows; a next bill date the API
/// has not moved on yet is shown moved, with a word about it.
fn cut_off(items: &[PlanItem], now: Timestamp, warnings: &mut Vec<String>) {
    for item in items
        .iter()
        .filter(|i| i.state == State::Cancel && i.timing == Some(Timing::Anniversary))
    {
        let Some(date) = item.effective_date else {
            continue;
        };
        let billed = item
            .observed
            .as_ref()
            .and_then(|o| o.billing.as_ref())
            .and_then(|b| b.next_bill_date);
        if let Some(billed) = billed.filter(|billed| *billed != date) {
            warnings.push(format!(
                "{} {}: the API still gives its next bill date as {}, which has passed; the cancellation takes effect on the next anniversary, {}",
                item.kind,
                item.id,
                date_text(billed),
                date_text(date)
            ));
        }
        // Never negative: effective dates are anniversaries after `now`.
        if date.duration_since(now) < CUT_OFF {
            warnings.push(format!(
                "{} {}: its anniversary {} is less than 3 days away; SoftLayer may cancel it a month later",
                item.kind,
                item.id,
                date_text(date)
            ));
        }
    }
}

/// One billing item cancelled by two items (say, a server and the same
/// item as a raw `billing_item`) would be cancelled twice and counted twice.
fn same_billing_item(items: &[PlanItem], errors: &mut Vec<PlanError>) {
    let mut seen: BTreeMap<u64, &PlanItem> = BTreeMap::new();
    for item in items.iter().filter(|i| performed(i)) {
        let Some(billing) = &item.billing_item else {
            continue;
        };
        if let Some(first) = seen.insert(billing.id, item) {
            let mut origins: BTreeSet<String> = first.origins.iter().cloned().collect();
            origins.extend(item.origins.iter().cloned());
            errors.push(PlanError {
                code: Code::SameBillingItem,
                message: format!(
                    "billing item {} would be cancelled twice: by {} {} and by {} {}",
                    billing.id, first.kind, first.id, item.kind, item.id
                ),
                origins: origins.into_iter().collect(),
            });
        }
    }
}

/// `expect: N` holds while the entry still has work: the number of objects
/// it selects, with those earlier applies of it retired that are gone
/// (`retired`, from the journal), must be N. Once everything it selects is
/// cancelled already, scheduled or gone, the entry is done and a smaller
/// count is expected (reclaimed objects disappear), so re-planning
/// converges.
fn expectations(
    manifests: &Manifests,
    selection: &Selection,
    items: &[PlanItem],
    retired: &[PlanItem],
    errors: &mut Vec<PlanError>,
    warnings: &mut Vec<String>,
) {
    let state_of = |r: &Resource| {
        items
            .iter()
            .find(|i| i.kind == r.kind && i.id == r.id && i.uuid() == r.uuid.as_deref())
            .map(|i| i.state)
    };
    for (i, entry) in manifests.entries.iter().enumerate() {
        let Some(expected) = entry.expect else {
            continue;
        };
        let matched: Vec<&Resource> = selection
            .selected
            .iter()
            .filter(|s| s.entries.contains(&i))
            .map(|s| &s.resource)
            .collect();
        let done = matched
            .iter()
            .all(|r| matches!(state_of(r), Some(State::Scheduled | State::Absent)));
        let origin = entry.origin.to_string();
        let gone = retired
            .iter()
            .filter(|i| i.origins.contains(&origin))
            .count();
        let count = matched.len() + gone;
        if count == 0 && expected > 0 {
            // Nothing left to tell a finished entry from a mistyped one.
            warnings.push(format!(
                "{}: matched nothing, so `expect: {expected}` is taken as done; remove the entry once it has done its work",
                entry.origin
            ));
        }
        if count != expected as usize && !(done && count < expected as usize) {
            errors.push(PlanError {
                code: Code::ExpectationFailed,
                message: format!(
                    "{}: expected {expected} {} to match, found {count}",
                    entry.origin, entry.kind
                ),
                origins: vec![entry.origin.to_string()],
            });
        }
    }
}

/// At most five names, then how many more.
fn describe_list(names: &[String]) -> String {
    let shown = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    match names.len() {
        n if n > 5 => format!("{shown}, +{} more", n - 5),
        _ => shown,
    }
}

/// Items to cancel whose fee cannot be read are named, with the values
/// that could not be read: never a silent zero.
fn unknown_fees(items: &[PlanItem], warnings: &mut Vec<String>) {
    for item in items
        .iter()
        .filter(|i| i.state == State::Cancel && i.monthly_fee.is_none())
    {
        let why = item
            .billing_item
            .as_ref()
            .map(|b| b.unreadable.join("; "))
            .unwrap_or_default();
        warnings.push(format!(
            "{} {}: its monthly fee cannot be read ({why}); it is shown as unknown and not counted in the fees retired",
            item.kind, item.id
        ));
    }
}

/// Counts per state and the fees retired, from the items.
pub(crate) fn summarise(items: &[PlanItem]) -> Summary {
    let count = |state: State| items.iter().filter(|i| i.state == state).count();
    let cancels = || items.iter().filter(|i| i.state == State::Cancel);
    Summary {
        cancel: count(State::Cancel),
        cancel_immediately: cancels()
            .filter(|i| i.timing == Some(Timing::Immediate))
            .count(),
        cancel_on_anniversary: cancels()
            .filter(|i| i.timing == Some(Timing::Anniversary))
            .count(),
        scheduled: count(State::Scheduled),
        absent: count(State::Absent),
        protected: count(State::Protected),
        blocked: count(State::Blocked),
        waiting: count(State::Waiting),
        monthly_fee_retired: cancels().filter_map(|i| i.monthly_fee).sum(),
        monthly_fee_unknown: cancels().filter(|i| i.monthly_fee.is_none()).count(),
        currency: "USD".into(),
    }
}

/// Each file's limits, over what they guard: the resources its entries
/// select, or the whole plan for a file without entries.
fn limits(manifests: &Manifests, items: &[PlanItem], errors: &mut Vec<PlanError>) {
    for rule in &manifests.limits {
        let prefix = format!("{}:", rule.file);
        // Waiting items with a call count: `apply --wait` performs them
        // under this plan's approval.
        let guarded: Vec<&PlanItem> = items
            .iter()
            .filter(|i| performed(i))
            .filter(|i| {
                rule.scope == LimitScope::Run || i.origins.iter().any(|o| o.starts_with(&prefix))
            })
            .collect();
        let waiting = if guarded.iter().any(|i| i.state == State::Waiting) {
            " (with the waiting items apply --wait cancels)"
        } else {
            ""
        };
        let what = match rule.scope {
            LimitScope::Run => "the plan".to_string(),
            LimitScope::File => format!("the entries of {}", rule.file),
        };
        if let Some(max) = rule.limits.max_resources
            && guarded.len() > max as usize
        {
            errors.push(PlanError {
                code: Code::LimitExceeded,
                message: format!(
                    "{what} cancel {} resources{waiting}; limits.max_resources in {} is {max}",
                    guarded.len(),
                    rule.file
                ),
                origins: vec![rule.file.clone()],
            });
        }
        if let Some(cents) = rule.limits.max_monthly_fee_cents {
            let max = Money::from_cents(cents);
            // A fee that cannot be read could be anything: the guard
            // fails closed rather than counting it as zero.
            let unknown: Vec<String> = guarded
                .iter()
                .filter(|i| i.monthly_fee.is_none())
                .map(|i| format!("{} {}", i.kind, i.id))
                .collect();
            if !unknown.is_empty() {
                errors.push(PlanError {
                    code: Code::FeeUnknown,
                    message: format!(
                        "{what} cancel {} whose monthly fee cannot be read ({}), so limits.max_monthly_fee in {} cannot be checked",
                        if unknown.len() == 1 { "an item" } else { "items" },
                        describe_list(&unknown),
                        rule.file
                    ),
                    origins: vec![rule.file.clone()],
                });
            }
            let total: Money = guarded.iter().filter_map(|i| i.monthly_fee).sum();
            if total > max {
                errors.push(PlanError {
                    code: Code::LimitExceeded,
                    message: format!(
                        "{what} retire {} USD a month{waiting}; limits.max_monthly_fee in {} is {}",
                        total.grouped(),
                        rule.file,
                        max.grouped()
                    ),
                    origins: vec![rule.file.clone()],
                });
            }
        }
    }
}
