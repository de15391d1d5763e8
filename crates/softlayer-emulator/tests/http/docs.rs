//! The documented example world is a valid world.

use softlayer_emulator::World;

const DOC: &str = include_str!("../../../../docs/emulator.md");

/// The JSON example in docs/emulator.md loads and covers every kind.
#[test]
fn documented_world_loads() {
    let start = DOC.find("```json\n").expect("a json block") + "```json\n".len();
    let end = start + DOC[start..].find("```").expect("closing fence");
    let world = World::from_json_str(&DOC[start..end]).unwrap_or_else(|e| panic!("{e}"));
    let json = world.to_json();
    for key in [
        "virtualGuests",
        "hardware",
        "networkStorage",
        "subnets",
        "networkVlans",
        "globalIpRecords",
        "adcLoadBalancers",
        "lbaasLoadBalancers",
        "cdnDomainMappings",
        "dedicatedHosts",
        "allTopLevelBillingItems",
    ] {
        assert!(json[key].as_array().is_some_and(|a| !a.is_empty()), "{key}");
    }
}
