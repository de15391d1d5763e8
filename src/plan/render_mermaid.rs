//! What waits on what, as a mermaid flowchart for the pull-request comment
//! (GitHub renders it): every `waiting` and `blocked` item and the objects
//! it waits on or is blocked by, in apply's waves. Pure; `None` when
//! nothing waits and nothing is blocked.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::model::{Plan, State};
use crate::kinds::Wave;
use crate::resolve::resource::ObjectRef;

/// The diagram, fenced for markdown.
pub fn render(plan: &Plan) -> Option<String> {
    let held: Vec<_> = plan
        .items
        .iter()
        .filter(|i| matches!(i.state, State::Waiting | State::Blocked))
        .collect();
    if held.is_empty() {
        return None;
    }
    // Every object in the picture, with what the plan says of it.
    let mut nodes: BTreeMap<ObjectRef, Option<State>> = BTreeMap::new();
    let mut edges: BTreeSet<(ObjectRef, ObjectRef)> = BTreeSet::new();
    let state_of = |r: &ObjectRef| {
        plan.items
            .iter()
            .find(|i| i.kind == r.kind && i.id == r.id)
            .map(|i| i.state)
    };
    for item in &held {
        let me = ObjectRef {
            kind: item.kind,
            id: item.id,
        };
        nodes.insert(me.clone(), Some(item.state));
        for dependency in &item.depends_on {
            nodes.insert(dependency.clone(), state_of(dependency));
            edges.insert((dependency.clone(), me.clone()));
        }
    }
    let mut waves: BTreeMap<Wave, Vec<&ObjectRef>> = BTreeMap::new();
    for node in nodes.keys() {
        waves.entry(node.kind.room().wave()).or_default().push(node);
    }
    let mut out = String::from("```mermaid\nflowchart LR\n");
    for (wave, members) in &waves {
        let _ = writeln!(
            out,
            "  subgraph {}[\"{}\"]",
            wave_id(*wave),
            wave_title(*wave)
        );
        for node in members {
            let state = nodes[*node];
            let _ = writeln!(
                out,
                "    {}[\"{} {}<br/>{}\"]:::{}",
                node_id(node),
                node.kind,
                node.id,
                state.map_or("not in this plan", |s| s.as_str()),
                state.map_or("outside", |s| s.as_str())
            );
        }
        out.push_str("  end\n");
    }
    for (from, to) in &edges {
        let _ = writeln!(out, "  {} --> {}", node_id(from), node_id(to));
    }
    out.push_str(
        "  classDef cancel fill:#fde2e1,stroke:#c0392b\n  classDef waiting fill:#fff4ce,stroke:#b7950b\n  classDef blocked fill:#eeeeee,stroke:#555555,stroke-dasharray: 4 2\n  classDef outside fill:#ffffff,stroke:#999999,stroke-dasharray: 2 2\n  classDef scheduled fill:#e8f1fb,stroke:#2e86c1\n  classDef absent fill:#ffffff,stroke:#999999\n  classDef protected fill:#e9f7ef,stroke:#1e8449\n```\n",
    );
    Some(out)
}

/// A mermaid id: letters, digits and underscores only.
fn node_id(node: &ObjectRef) -> String {
    format!("{}_{}", node.kind.as_str(), node.id)
}

fn wave_id(wave: Wave) -> &'static str {
    match wave {
        Wave::Objects => "objects",
        Wave::Hosts => "hosts",
        Wave::Networks => "networks",
    }
}

fn wave_title(wave: Wave) -> &'static str {
    match wave {
        Wave::Objects => "1: servers, volumes, addresses",
        Wave::Hosts => "2: subnets, dedicated hosts",
        Wave::Networks => "3: VLANs",
    }
}
