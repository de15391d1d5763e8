//! The adaptive, shared rate limit against servers that enforce a limit:
//! the emulator's (SoftLayer's HTTP 500 and exception), and a small
//! loopback server of this file answering HTTP 429 with or without
//! `Retry-After`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use slretire::softlayer::{Call, Client, RetryPolicy, Settings};
use softlayer_emulator::Config;

use crate::support::capture::{CaptureServer, Scripted};
use crate::support::{TEST_API_KEY, emulator_with, explicit_connection, world_with_guests};

/// A client at the default cap (SoftLayer's 50/s) with patient retries.
fn client(base_url: &str, page_size: u32, dir: &tempfile::TempDir) -> Client {
    let mut connection = explicit_connection(base_url, "testuser", TEST_API_KEY, dir.path());
    connection.rate_limit = Some(slretire::softlayer::DEFAULT_RATE_LIMIT);
    connection.page_size = Some(page_size);
    let mut settings = Settings::resolve(&connection).unwrap();
    settings.retry = RetryPolicy {
        max_attempts: 20,
        deadline: Duration::from_secs(60),
        ..RetryPolicy::default()
    };
    Client::new(settings).unwrap()
}

/// Against the emulator limiting to 20 calls/s, a listing of 60 pages by 8
/// workers at the default cap of 50/s: the limiter drops below 20/s after
/// the emulator's rate-limit errors, climbs back between them, and the
/// listing is complete, without hammering the API.
#[test]
fn slows_down_and_recovers_against_the_emulator_limit() {
    let config = Config {
        rate_limit: 20,
        ..Config::default()
    };
    let emulator = emulator_with(&world_with_guests(60), config);
    let dir = tempfile::tempdir().unwrap();
    let client = client(&emulator.base_url(), 1, &dir);
    assert_eq!(client.current_rate(), 50.0);
    // The rate the limiter admits as each object arrives.
    let samples: Mutex<Vec<(Instant, f64)>> = Mutex::new(Vec::new());
    let read = |object: Value| {
        samples
            .lock()
            .unwrap()
            .push((Instant::now(), client.current_rate()));
        object["id"].as_u64()
    };
    let mut ids = client
        .list_read(
            &Call::new("SoftLayer_Account", "getVirtualGuests").mask("mask[id]"),
            Some("virtualGuests"),
            &read,
        )
        .unwrap();
    ids.sort_unstable();
    assert_eq!(ids, (1000..1060).collect::<Vec<u64>>());

    let log = emulator.requests();
    let refused = log.iter().filter(|r| r.status == 500).count();
    assert!(
        refused > 0,
        "the emulator never refused: nothing was tested"
    );
    assert_eq!(log.len() - refused, 60, "each page answered once");
    assert!(
        refused * 3 < log.len(),
        "{refused} refusals in {} calls: the limiter did not adapt",
        log.len()
    );

    let mut samples = samples.into_inner().unwrap();
    samples.sort_by_key(|(at, _)| *at);
    let rates: Vec<f64> = samples.iter().map(|(_, rate)| *rate).collect();
    let lowest = rates.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(lowest < 20.0, "never below the server's 20/s: {rates:?}");
    assert!(
        rates.windows(2).any(|w| w[1] > w[0] + 0.01),
        "the rate never climbed back between refusals: {rates:?}"
    );
    assert!(client.current_rate() < 50.0);
}

/// One request as the limited server saw it.
#[derive(Debug, Clone, Copy)]
struct Seen {
    at: Instant,
    status: u16,
}

/// A loopback server admitting `limit` requests per fixed one-second window
/// and answering the rest with 429 (and `Retry-After: N` when given).
struct LimitedServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl LimitedServer {
    fn start(limit: u32, retry_after: Option<u64>) -> LimitedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let window = Arc::new(Mutex::new((Instant::now(), 0u32)));
        let (log, stopped) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (log, window) = (log.clone(), window.clone());
                std::thread::spawn(move || answer(stream, limit, retry_after, &window, &log));
            }
        });
        LimitedServer { addr, seen, stop }
    }

    fn base_url(&self) -> String {
        format!("http://{}/rest/v3.1/", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for LimitedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Reads one request and answers it: `{"id": 1}` within the limit, 429 beyond.
fn answer(
    stream: TcpStream,
    limit: u32,
    retry_after: Option<u64>,
    window: &Mutex<(Instant, u32)>,
    log: &Mutex<Vec<Seen>>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0;
    let mut first = true;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() && !first {
            break;
        }
        first = false;
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let now = Instant::now();
    let admitted = {
        let mut window = window.lock().unwrap();
        if now.duration_since(window.0) >= Duration::from_secs(1) {
            *window = (now, 0);
        }
        window.1 += 1;
        window.1 <= limit
    };
    let (status, extra, body) = if admitted {
        (200, String::new(), r#"{"id": 1}"#.to_string())
    } else {
        let extra = retry_after
            .map(|secs| format!("Retry-After: {secs}\r\n"))
            .unwrap_or_default();
        (429, extra, "<html>Too Many Requests</html>".to_string())
    };
    log.lock().unwrap().push(Seen { at: now, status });
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

/// `calls` reads from `threads` threads sharing one client.
fn read_in_parallel(client: &Client, threads: usize, calls: usize) {
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                for _ in (t..calls).step_by(threads) {
                    let value = client
                        .read(&Call::new("SoftLayer_Account", "getObject"))
                        .unwrap();
                    assert_eq!(value, json!({"id": 1}));
                }
            });
        }
    });
}

/// HTTP 429 without Retry-After, limit 10/s: every call succeeds, the
/// limiter slows below the cap, and refusals stay few.
#[test]
fn adapts_to_429_without_retry_after() {
    let server = LimitedServer::start(10, None);
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server.base_url(), 500, &dir);
    read_in_parallel(&client, 4, 40);
    let seen = server.seen();
    let refused = seen.iter().filter(|s| s.status == 429).count();
    assert_eq!(seen.len() - refused, 40);
    assert!(refused > 0, "never refused: nothing was tested");
    assert!(refused < 20, "{refused} refusals for 40 calls");
    assert!(client.current_rate() < 30.0, "{}", client.current_rate());
}

/// HTTP 429 with `Retry-After: 2`: no thread sends anything until the two
/// seconds are over, then every call succeeds.
#[test]
fn honours_retry_after_for_every_thread() {
    let server = LimitedServer::start(4, Some(2));
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server.base_url(), 500, &dir);
    read_in_parallel(&client, 3, 12);
    let mut seen = server.seen();
    seen.sort_by_key(|s| s.at);
    let first_refusal = seen.iter().position(|s| s.status == 429).unwrap();
    let refused_at = seen[first_refusal].at;
    // Requests already on the wire when the refusal came may arrive within
    // a few milliseconds; nothing is sent after that until 2 s have passed.
    let resumed = seen[first_refusal..]
        .iter()
        .find(|s| s.at.duration_since(refused_at) > Duration::from_millis(100))
        .unwrap();
    assert!(
        resumed.at.duration_since(refused_at) >= Duration::from_secs(2),
        "resumed after {:?}",
        resumed.at.duration_since(refused_at)
    );
    assert_eq!(seen.iter().filter(|s| s.status == 200).count(), 12);
}

/// A write refused with 429 did not take effect: it is sent again after the
/// Retry-After wait, once, and succeeds.
#[test]
fn a_write_refused_with_429_is_repeated() {
    let server = CaptureServer::start(vec![
        Scripted::json_with(429, ("Retry-After", "1"), ""),
        Scripted::json(200, "true"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let value = client(&server.base_url(), 500, &dir)
        .write(&Call::new("SoftLayer_Billing_Item", "cancelService").id(5))
        .unwrap();
    assert_eq!(value, json!(true));
    assert_eq!(server.requests().len(), 2);
    assert!(started.elapsed() >= Duration::from_secs(1));
}
