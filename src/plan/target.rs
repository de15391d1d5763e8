//! Partial plans (`--target KIND:ID`, as terraform's `-target`): a plan
//! narrowed to some items and what they wait for, marked as partial in
//! the document, so every renderer shows it and a reviewer cannot take it
//! for the whole plan.
//!
//! The guards are those of the whole plan: a target cannot be used to
//! slip past a limit, an `expect` or a protected object an entry names.

use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::str::FromStr;

use super::build::summarise;
use super::code::Code;
use super::digest::seal;
use super::model::{Plan, PlanError};
use crate::kinds::Kind;
use crate::resolve::resource::ObjectRef;

/// One `--target`: an item of a plan, `KIND:ID` (`virtual_guest:12345678`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub kind: Kind,
    pub id: u64,
}

impl Target {
    fn reference(self) -> ObjectRef {
        ObjectRef {
            kind: self.kind,
            id: self.id,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

impl FromStr for Target {
    type Err = String;

    fn from_str(text: &str) -> Result<Target, String> {
        let kinds = || {
            Kind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some((kind, id)) = text.split_once(':') else {
            return Err(format!(
                "`{text}` is not KIND:ID, such as virtual_guest:12345678"
            ));
        };
        let kind = Kind::parse(kind)
            .ok_or_else(|| format!("`{kind}` is not a kind; kinds: {}", kinds()))?;
        let id = id
            .parse::<u64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| format!("`{id}` is not an id: ids are positive integers"))?;
        Ok(Target { kind, id })
    }
}

/// The plan narrowed to `targets` and, transitively, what they wait for
/// (`depends_on`) and what shares their billing item: the objects without
/// which their own decision would not hold. Summary and digest follow the
/// items; errors stay those of the whole plan, and a target that names no
/// item is one more (`plan::target-not-found`). No targets: the plan as is.
pub fn narrow(plan: Plan, targets: &[Target]) -> Plan {
    if targets.is_empty() {
        return plan;
    }
    let mut plan = plan;
    let present: BTreeSet<ObjectRef> = plan
        .items
        .iter()
        .map(|i| ObjectRef {
            kind: i.kind,
            id: i.id,
        })
        .collect();
    let wanted: BTreeSet<Target> = targets.iter().copied().collect();
    for target in &wanted {
        if !present.contains(&target.reference()) {
            plan.errors.push(PlanError {
                code: Code::TargetNotFound,
                message: format!(
                    "--target {target} is not an item of this plan (the manifests do not select it)"
                ),
                origins: Vec::new(),
            });
        }
    }
    let mut keep: BTreeSet<ObjectRef> = BTreeSet::new();
    let mut queue: VecDeque<ObjectRef> = wanted
        .iter()
        .map(|t| t.reference())
        .filter(|r| present.contains(r))
        .collect();
    while let Some(next) = queue.pop_front() {
        if !keep.insert(next.clone()) {
            continue;
        }
        for item in plan
            .items
            .iter()
            .filter(|i| i.kind == next.kind && i.id == next.id)
        {
            let siblings = item
                .observed
                .iter()
                .flat_map(|o| o.shares_billing_with.iter());
            queue.extend(
                item.depends_on
                    .iter()
                    .chain(siblings)
                    .filter(|r| present.contains(r) && !keep.contains(r))
                    .cloned(),
            );
        }
    }
    let kept = |kind: Kind, id: u64| keep.contains(&ObjectRef { kind, id });
    plan.items.retain(|i| kept(i.kind, i.id));
    plan.excluded.retain(|x| kept(x.kind, x.id));
    plan.targets = wanted.iter().map(ToString::to_string).collect();
    plan.warnings.insert(0, partial_warning(&plan));
    plan.summary = summarise(&plan.items);
    seal(plan)
}

/// What a partial plan says about itself, in every format.
pub fn partial_warning(plan: &Plan) -> String {
    format!(
        "Resource targeting is in effect: this partial plan holds only --target {} and what they wait for; \
         other objects the manifests select are not in it and are not applied. The guards are those of the whole plan.",
        plan.targets.join(", ")
    )
}
