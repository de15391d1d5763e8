//! Paging, retries under injected faults, and the shared rate limit,
//! against the emulator.

use std::collections::BTreeSet;
use std::time::Duration;

use slretire::softlayer::{Call, Client, RetryPolicy, Settings};
use softlayer_emulator::{Config, Emulator};

use crate::support::{
    TEST_API_KEY, emulator, emulator_with, explicit_connection, world_with_guests,
};

fn client(emulator: &Emulator, page_size: u32, rate_limit: f64, dir: &tempfile::TempDir) -> Client {
    let mut connection =
        explicit_connection(&emulator.base_url(), "testuser", TEST_API_KEY, dir.path());
    connection.page_size = Some(page_size);
    connection.rate_limit = Some(rate_limit);
    let mut settings = Settings::resolve(&connection).unwrap();
    settings.retry = RetryPolicy {
        max_attempts: 10,
        max_connect_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
        deadline: Duration::from_secs(60),
        rate_limit_delay: Duration::from_millis(300),
    };
    Client::new(settings).unwrap()
}

fn guest_ids(client: &Client) -> Vec<u64> {
    client
        .list(
            &Call::new("SoftLayer_Account", "getVirtualGuests").mask("mask[id,hostname]"),
            Some("virtualGuests"),
        )
        .unwrap()
        .iter()
        .map(|g| g["id"].as_u64().unwrap())
        .collect()
}

/// Every guest comes back once, in id order, for page sizes around and beyond the total.
#[test]
fn every_page_size_returns_everything_once() {
    for total in [0usize, 1, 23] {
        let emulator = emulator(&world_with_guests(total));
        for page_size in [1u32, 3, 7, 23, 500] {
            let dir = tempfile::tempdir().unwrap();
            let client = client(&emulator, page_size, 1000.0, &dir);
            let before = emulator.requests().len();
            let ids = guest_ids(&client);
            let expected: Vec<u64> = (0..total as u64).map(|i| 1000 + i).collect();
            assert_eq!(ids, expected, "total {total}, page size {page_size}");
            let pages = total.div_ceil(page_size as usize).max(1);
            let log = &emulator.requests()[before..];
            assert_eq!(
                log.len(),
                pages,
                "one request per page: total {total}, page size {page_size}"
            );
            let offsets: BTreeSet<String> = log
                .iter()
                .filter_map(|r| {
                    r.query
                        .iter()
                        .find(|(k, _)| k == "resultLimit")
                        .map(|(_, v)| v.clone())
                })
                .collect();
            let expected: BTreeSet<String> = (0..pages)
                .map(|p| format!("{},{page_size}", p * page_size as usize))
                .collect();
            assert_eq!(offsets, expected, "total {total}, page size {page_size}");
        }
    }
}

/// Random 500s on a quarter of the requests are retried: the list is complete and exact.
#[test]
fn retries_recover_from_injected_faults() {
    let config = Config {
        fail_rate: 0.25,
        seed: 7,
        ..Config::default()
    };
    let emulator = emulator_with(&world_with_guests(60), config);
    let dir = tempfile::tempdir().unwrap();
    let client = client(&emulator, 4, 1000.0, &dir);
    let ids = guest_ids(&client);
    assert_eq!(ids, (1000..1060).collect::<Vec<u64>>());
    let log = emulator.requests();
    let failures = log.iter().filter(|r| r.status == 500).count();
    assert!(failures > 0, "the emulator injected no fault");
    assert_eq!(client.calls_made(), u64::try_from(log.len()).unwrap());
    assert_eq!(client.retries_made(), u64::try_from(failures).unwrap());
    assert_eq!(
        log.len() - failures,
        15,
        "15 pages of 4 succeeded once each"
    );
}

/// With the client's limit below the emulator's, no request is ever rate limited.
#[test]
fn client_limit_prevents_rate_limit_errors() {
    let config = Config {
        rate_limit: 5,
        ..Config::default()
    };
    let emulator = emulator_with(&world_with_guests(24), config);
    let dir = tempfile::tempdir().unwrap();
    let client = client(&emulator, 3, 4.0, &dir);
    assert_eq!(guest_ids(&client), (1000..1024).collect::<Vec<u64>>());
    let log = emulator.requests();
    assert_eq!(log.len(), 8);
    assert!(
        log.iter().all(|r| r.status == 200),
        "{:?}",
        log.iter().map(|r| r.status).collect::<Vec<_>>()
    );
}

/// A burst above the emulator's limit is rejected in part, and retries still deliver everything.
#[test]
fn retries_recover_from_rate_limit_errors() {
    let config = Config {
        rate_limit: 3,
        ..Config::default()
    };
    let emulator = emulator_with(&world_with_guests(24), config);
    let dir = tempfile::tempdir().unwrap();
    let client = client(&emulator, 4, 1000.0, &dir);
    assert_eq!(guest_ids(&client), (1000..1024).collect::<Vec<u64>>());
    let log = emulator.requests();
    assert!(
        log.iter().any(|r| r.status == 500),
        "the burst was never rate limited"
    );
    assert_eq!(log.iter().filter(|r| r.status == 200).count(), 6);
}
