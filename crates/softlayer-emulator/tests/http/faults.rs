//! Fault injection: lost responses, random 500s, the rate limit, latency.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use softlayer_emulator::Config;

use crate::support::{NOW, authority, config, find, get, raw, start, world};

/// A lost response: the call takes effect, then the connection closes
/// before any byte of a response (EOF or reset, never a 500).
#[test]
fn lost_response_closes_connection_after_effect() {
    let emu = start(Config {
        lose_response_rate: 1.0,
        ..config()
    });
    let mut stream = TcpStream::connect(authority(&emu)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let token = "U0wyNzgxODQ6c2VjcmV0LWtleQ=="; // SL278184:secret-key
    write!(
        stream,
        "GET /rest/v3.1/SoftLayer_Billing_Item/4020/cancelService.json HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nAuthorization: Basic {token}\r\n\r\n"
    )
    .unwrap();
    let mut received = Vec::new();
    let outcome = stream.read_to_end(&mut received);
    assert!(
        received.is_empty(),
        "got bytes: {}",
        String::from_utf8_lossy(&received)
    );
    if let Err(e) = outcome {
        assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            ),
            "{e}"
        );
    }
    // The cancellation happened.
    assert!(find(&world(&emu), "subnets", 402).is_none());
    let log = emu.requests();
    assert_eq!(
        (log[0].method_name.as_deref(), log[0].status),
        (Some("cancelService"), 0)
    );
    // Reads are never lost, and go through the same relay.
    let r = get(&emu, "SoftLayer_Network_Vlan/11/getObject.json");
    assert_eq!(r.status, 200);
}

/// fail-rate 1 answers every API call with SoftLayer's Internal Error,
/// before the call takes effect; the control endpoints never fail.
#[test]
fn fail_rate_answers_internal_error_without_effect() {
    let emu = start(Config {
        fail_rate: 1.0,
        ..config()
    });
    let r = get(&emu, "SoftLayer_Billing_Item/4020/cancelService.json");
    assert_eq!(r.status, 500);
    assert_eq!(
        r.json(),
        serde_json::json!({"error": "Internal Error", "code": "SoftLayer_Exception_Public"})
    );
    assert!(find(&world(&emu), "subnets", 402).is_some());
    assert_eq!(emu.requests()[0].status, 500);
}

/// The same seed gives the same sequence of faults.
#[test]
fn faults_are_reproducible_with_a_seed() {
    let statuses = |seed: u64| -> Vec<u16> {
        let emu = start(Config {
            fail_rate: 0.5,
            seed,
            ..config()
        });
        (0..24)
            .map(|_| get(&emu, "SoftLayer_Account/getObject.json").status)
            .collect()
    };
    let a = statuses(7);
    assert_eq!(a, statuses(7));
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
    assert_ne!(a, statuses(8));
}

/// The rate limit answers SoftLayer's own message, per username.
#[test]
fn rate_limit_per_user() {
    let emu = start(Config {
        rate_limit: 2,
        ..config()
    });
    let statuses: Vec<u16> = (0..5)
        .map(|_| get(&emu, "SoftLayer_Account/getObject.json").status)
        .collect();
    assert!(statuses.contains(&500), "{statuses:?}");
    let limited = (0..3)
        .map(|_| get(&emu, "SoftLayer_Account/getObject.json"))
        .find(|r| r.status == 500)
        .unwrap();
    assert_eq!(
        limited.json(),
        serde_json::json!({"error": "Rate limit of 2 requests for every 1 second(s) exceeded.", "code": "SoftLayer_Exception_WebService_RateLimitExceeded"})
    );
    // SoftLayer's 500 was seen without a Retry-After.
    assert_eq!(limited.header("Retry-After"), None);
    // Control endpoints are not limited.
    assert_eq!(
        raw(&emu, "GET", "/__emulator/world", None, None).status,
        200
    );
}

/// `rate_limit_status: 429` answers the same body with 429 and a
/// Retry-After of one second (the rest of the window, rounded up); the log
/// records the 429.
#[test]
fn rate_limit_can_answer_429() {
    let emu = start(Config {
        rate_limit: 2,
        rate_limit_status: 429,
        ..config()
    });
    let limited = (0..6)
        .map(|_| get(&emu, "SoftLayer_Account/getObject.json"))
        .find(|r| r.status != 200)
        .expect("a request over the limit");
    assert_eq!(limited.status, 429, "{}", limited.text);
    assert_eq!(
        limited.json(),
        serde_json::json!({"error": "Rate limit of 2 requests for every 1 second(s) exceeded.", "code": "SoftLayer_Exception_WebService_RateLimitExceeded"})
    );
    assert_eq!(limited.header("Retry-After"), Some("1"));
    assert!(emu.requests().iter().any(|r| r.status == 429));
    let bad = softlayer_emulator::Emulator::start(
        softlayer_emulator::World::from_json_str(
            r#"{"format": "slretire-world/1", "account": {"id": 1}}"#,
        )
        .unwrap(),
        Config {
            rate_limit_status: 503,
            ..Config::default()
        },
        "127.0.0.1:0",
    );
    assert!(bad.unwrap_err().to_string().contains("500 or 429"));
}

/// Latency is slept outside the state lock: parallel requests overlap.
#[test]
fn latency_overlaps_across_requests() {
    let emu = start(Config {
        latency: Duration::from_millis(400),
        ..config()
    });
    let started = Instant::now();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| s.spawn(|| get(&emu, "SoftLayer_Account/getObject.json").status))
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 200);
        }
    });
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(1_600),
        "requests did not overlap: {elapsed:?}"
    );
}

/// `/__emulator/stats` counts every API request and its service time; the
/// request log has each request's; the configured latency is not part of
/// either (each request slept 300 ms, none is counted that long).
#[test]
fn service_time_is_observable() {
    let emu = start(Config {
        latency: Duration::from_millis(300),
        ..config()
    });
    for path in [
        "SoftLayer_Account/getObject.json",
        "SoftLayer_Account/getVirtualGuests.json",
        "SoftLayer_Virtual_Guest/999/getObject.json",
    ] {
        get(&emu, path);
    }
    let stats = raw(&emu, "GET", "/__emulator/stats", None, None).json();
    assert_eq!(stats["requests"], 3, "{stats}");
    let total = stats["service_s"].as_f64().unwrap();
    assert!(total > 0.0 && total < 0.9, "{stats}");
    assert!(stats["max_ms"].as_f64().unwrap() < 300.0, "{stats}");
    assert!(stats["lock_wait_s"].as_f64().is_some(), "{stats}");
    let log = raw(&emu, "GET", "/__emulator/requests", None, None).json();
    let each: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_us"].as_u64().unwrap())
        .collect();
    assert_eq!(each.len(), 3);
    assert!(each.iter().all(|us| *us > 0 && *us < 300_000), "{each:?}");
    let sum: u64 = each.iter().sum();
    assert!((sum as f64 / 1e6 - total).abs() < 1e-6, "{sum} vs {total}");
}

/// The fixed clock of the configuration dates the cancellations.
#[test]
fn fixed_clock_dates_cancellations() {
    let emu = start(config());
    get(&emu, "SoftLayer_Billing_Item/5010/cancelService.json");
    let item = get(&emu, "SoftLayer_Billing_Item/5010/getObject.json").json();
    assert_eq!(item["cancellationDate"], NOW);
    assert_eq!(item["modifyDate"], NOW);
}
