//! A world's `clock`: the moment it describes, where serving starts.

use serde_json::json;
use softlayer_emulator::{Config, World};

use crate::support::{get, start_world, world};

/// A guest whose billing item is cancelled on a date between the world's
/// clock and today.
fn world_with_clock(clock: Option<&str>) -> serde_json::Value {
    let mut w = json!({
        "format": "slretire-world/1",
        "account": {"id": 1},
        "virtualGuests": [{
            "id": 5, "hostname": "going", "domain": "example.com",
            "billingItem": {"id": 50, "categoryCode": "guest_core", "recurringFee": "10.00",
                            "cancellationDate": "2020-06-01T00:00:00Z"}
        }]
    });
    if let Some(clock) = clock {
        w["clock"] = json!(clock);
    }
    w
}

fn billing_item_of_guest(clock: Option<&str>) -> serde_json::Value {
    // Real time: the clock is what is under test.
    let emu = start_world(&world_with_clock(clock), Config::default());
    get(&emu, "SoftLayer_Virtual_Guest/5/getBillingItem.json").json()
}

#[test]
fn a_world_with_a_clock_is_served_as_of_that_moment() {
    let item = billing_item_of_guest(Some("2020-01-01T00:00:00Z"));
    assert_eq!(item["id"], 50, "still pending in 2020: {item}");
    assert_eq!(item["cancellationDate"], "2020-06-01T00:00:00Z");
}

#[test]
fn a_world_without_a_clock_runs_on_real_time() {
    let item = billing_item_of_guest(None);
    assert!(
        item.as_object().is_none_or(serde_json::Map::is_empty),
        "cancelled in 2020, no active billing item since: {item}"
    );
}

/// The export describes the state as it is when it is written, so its
/// clock is the emulator's time then, not the time the world was loaded at.
#[test]
fn the_export_names_the_moment_it_was_written() {
    let emu = start_world(
        &world_with_clock(Some("2020-01-01T00:00:00Z")),
        Config {
            now: Some("2020-07-01T00:00:00Z".parse().unwrap()),
            ..Config::default()
        },
    );
    let exported = world(&emu);
    assert_eq!(exported["clock"], "2020-07-01T00:00:00Z");
    // Served again, the cancellation that completed in June stays completed.
    let again = start_world(&exported, Config::default());
    let item = get(&again, "SoftLayer_Virtual_Guest/5/getBillingItem.json").json();
    assert!(
        item.as_object().is_none_or(serde_json::Map::is_empty),
        "{item}"
    );
}

#[test]
fn a_bad_clock_is_a_load_error_naming_it() {
    for bad in [json!("yesterday"), json!(17)] {
        let mut w = world_with_clock(None);
        w["clock"] = bad;
        let err = World::from_json_str(&w.to_string())
            .unwrap_err()
            .to_string();
        assert!(err.contains("clock") && err.contains("RFC 3339"), "{err}");
    }
}
