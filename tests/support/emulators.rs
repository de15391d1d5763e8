//! Emulators for tests: started in-process on loopback.

use softlayer_emulator::{Config, Emulator, World};

/// Starts an emulator on loopback serving `world_json`, with default faults (none).
pub(crate) fn emulator(world_json: &str) -> Emulator {
    emulator_with(world_json, Config::default())
}

/// Starts an emulator on loopback serving `world_json` with `config`.
pub(crate) fn emulator_with(world_json: &str, config: Config) -> Emulator {
    let world = match World::from_json_str(world_json) {
        Ok(world) => world,
        Err(err) => panic!("test world does not load: {err}"),
    };
    Emulator::start(world, config, "127.0.0.1:0").expect("start emulator on loopback")
}

/// A small world: account 278184, a user `testuser` with a 64-hex key, and
/// `guests` virtual guests with ids 1000.. (each with a billing item).
pub(crate) fn world_with_guests(guests: usize) -> String {
    let guests: Vec<serde_json::Value> = (0..guests)
        .map(|i| {
            serde_json::json!({
                "id": 1000 + i,
                "hostname": format!("vs{i}"),
                "domain": "example.com",
                "createDate": "2026-09-01T10:00:00-06:00",
                "hourlyBillingFlag": true,
                "billingItem": {
                    "id": 90_000_000 + i,
                    "categoryCode": "guest_core",
                    "recurringFee": "0",
                    "hourlyRecurringFee": ".062",
                    "hourlyFlag": true
                }
            })
        })
        .collect();
    serde_json::json!({
        "format": "slretire-world/1",
        "account": {"id": 278184, "companyName": "Example Corp", "email": "ops@example.com"},
        "users": [{"id": 7001, "username": "testuser", "apiKey": TEST_API_KEY}],
        "virtualGuests": guests
    })
    .to_string()
}

/// The key of `testuser` in [`world_with_guests`] (the reference captures' key).
pub(crate) const TEST_API_KEY: &str =
    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
