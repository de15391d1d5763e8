//! The running emulator: tiny_http, a pool of worker threads, the state
//! behind one mutex, faults, and the request log.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tiny_http::Request;

use crate::api_error::ApiError;
use crate::cancel::Clock;
use crate::config::Config;
use crate::faults::{RateLimiter, SplitMix64};
use crate::proxy::{ConnectionTable, Proxy};
use crate::request_log::LoggedRequest;
use crate::services::{self, Call, Reply};
use crate::state::{State, User};
use crate::stats::ServiceStats;
use crate::wire::{self, Credentials, Route};
use crate::world::{World, export};

/// Worker threads answering requests concurrently.
const WORKERS: usize = 16;
/// Entries kept in the request log (oldest dropped first).
const LOG_CAPACITY: usize = 100_000;
/// Largest request body read.
const MAX_BODY: u64 = 16 * 1024 * 1024;

struct Shared {
    /// Reads run side by side; a call that changes the state runs alone.
    state: RwLock<State>,
    config: Config,
    reclaim_after: SignedDuration,
    /// Copied out of the state: credentials never change.
    users: Option<Vec<User>>,
    account_id: i64,
    log: Mutex<VecDeque<LoggedRequest>>,
    stats: ServiceStats,
    rng: Mutex<SplitMix64>,
    limiter: Mutex<RateLimiter>,
    stop: AtomicBool,
    connections: Option<Arc<ConnectionTable>>,
    /// The world's `clock` and when serving began: a world that names the
    /// moment it describes is served from that moment on, time running.
    world_clock: Option<(Timestamp, std::time::Instant)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one worker must not take the whole emulator down.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn now(&self) -> Timestamp {
        if let Some(fixed) = self.config.now {
            return fixed;
        }
        match self.world_clock {
            Some((start, since)) => SignedDuration::try_from(since.elapsed())
                .ok()
                .and_then(|elapsed| start.checked_add(elapsed).ok())
                .unwrap_or(start),
            None => Timestamp::now(),
        }
    }

    fn clock(&self) -> Clock {
        Clock {
            now: self.now(),
            reclaim_after: self.reclaim_after,
        }
    }

    /// Logs an answered API request and counts its service time.
    fn record(&self, entry: LoggedRequest) {
        self.stats.record(
            Duration::from_micros(entry.service_us),
            Duration::from_micros(entry.lock_wait_us),
        );
        let mut log = lock(&self.log);
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(entry);
    }
}

/// A running emulator. Stops (and joins its threads) on [`Emulator::stop`]
/// or when dropped.
pub struct Emulator {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
    proxy: Option<Proxy>,
    base_url: String,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

fn io_error(err: impl std::fmt::Display) -> io::Error {
    io::Error::other(err.to_string())
}

impl Emulator {
    /// Serves `world` on `listen` (e.g. `127.0.0.1:0`) until stopped.
    pub fn start(world: World, config: Config, listen: &str) -> io::Result<Emulator> {
        config
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let reclaim_after = SignedDuration::try_from(config.reclaim_after).map_err(io_error)?;
        let lossy = config.lose_response_rate > 0.0;
        let (server, proxy) = if lossy {
            let server = tiny_http::Server::http("127.0.0.1:0").map_err(io_error)?;
            let upstream = server
                .server_addr()
                .to_ip()
                .ok_or_else(|| io_error("tiny_http did not listen on an IP address"))?;
            let proxy = Proxy::start(listen, upstream)?;
            (server, Some(proxy))
        } else {
            (tiny_http::Server::http(listen).map_err(io_error)?, None)
        };
        let addr: SocketAddr = match &proxy {
            Some(p) => p.addr,
            None => server
                .server_addr()
                .to_ip()
                .ok_or_else(|| io_error("tiny_http did not listen on an IP address"))?,
        };
        let state = world.state;
        let world_clock = state.clock.map(|at| (at, std::time::Instant::now()));
        let shared = Arc::new(Shared {
            world_clock,
            users: state.users.clone(),
            account_id: state.account_id(),
            state: RwLock::new(state),
            rng: Mutex::new(SplitMix64::new(config.seed)),
            config,
            reclaim_after,
            log: Mutex::new(VecDeque::new()),
            stats: ServiceStats::default(),
            limiter: Mutex::new(RateLimiter::default()),
            stop: AtomicBool::new(false),
            connections: proxy.as_ref().map(|p| Arc::clone(&p.table)),
        });
        let server = Arc::new(server);
        let mut workers = Vec::with_capacity(WORKERS);
        for i in 0..WORKERS {
            let shared = Arc::clone(&shared);
            let server = Arc::clone(&server);
            workers.push(
                std::thread::Builder::new()
                    .name(format!("emulator-worker-{i}"))
                    .spawn(move || worker(&shared, &server))?,
            );
        }
        Ok(Emulator {
            shared,
            server,
            workers,
            proxy,
            base_url: format!("http://{}/rest/v3.1/", reachable(addr)),
        })
    }

    /// The REST endpoint, e.g. `http://127.0.0.1:PORT/rest/v3.1/`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The current state in the world-file format.
    pub fn world(&self) -> Value {
        let now = self.shared.now();
        export(&read(&self.shared.state), now)
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// Stops serving and joins the worker threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.shared.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        for _ in 0..self.workers.len() {
            self.server.unblock();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        if let Some(p) = &mut self.proxy {
            p.stop();
        }
    }
}

/// The address a client on this host reaches `addr` at: bound to every
/// interface (`0.0.0.0`, `::`), the emulator is still reached on loopback,
/// which is also the only plain-HTTP host slretire accepts.
fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn worker(shared: &Shared, server: &tiny_http::Server) {
    while !shared.stop.load(Ordering::SeqCst) {
        match server.recv() {
            Ok(rq) => {
                // A bug in one call must not shrink the pool: the panic
                // drops the request (tiny_http then answers 500) and the
                // worker carries on.
                let _ =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(shared, rq)));
            }
            Err(_) => {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
            }
        }
    }
}

/// Logs a request that reached no service.
fn record_unrouted(
    shared: &Shared,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    status: u16,
    started: Instant,
) {
    shared.record(LoggedRequest {
        method,
        path,
        query,
        status,
        service: None,
        method_name: None,
        id: None,
        parameters: None,
        service_us: micros(started.elapsed()),
        lock_wait_us: 0,
    });
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Answers `rq` with a JSON body. The status line, headers and body leave
/// in one write: tiny_http writes the head and the body separately, and a
/// small head segment still unacknowledged makes Nagle's algorithm hold
/// the body until the client's delayed ACK (40 ms on Linux) on every reused
/// connection, which would make the emulator, not the client under test,
/// the bottleneck of sequential clients. Headers as tiny_http sends them,
/// with `Content-Length` rather than chunked encoding for large bodies.
fn respond_json(rq: Request, status: u16, body: &Value, total: Option<usize>) {
    respond_json_with(rq, status, body, total, None);
}

/// [`respond_json`] with one extra header.
fn respond_json_with(
    rq: Request,
    status: u16,
    body: &Value,
    total: Option<usize>,
    extra: Option<(&str, &str)>,
) {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    let version = rq.http_version().clone();
    let head_only = *rq.method() == tiny_http::Method::Head;
    let date = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&Timestamp::now())
        .unwrap_or_default();
    let mut head = format!(
        "HTTP/{}.{} {status} {}\r\nServer: tiny-http (Rust)\r\nDate: {date}\r\nContent-Type: application/json\r\n",
        version.0,
        version.1,
        tiny_http::StatusCode(status).default_reason_phrase(),
    );
    if let Some(n) = total {
        head.push_str(&format!("SoftLayer-Total-Items: {n}\r\n"));
    }
    if let Some((name, value)) = extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
    let mut message = head.into_bytes();
    if !head_only {
        message.extend_from_slice(&bytes);
    }
    let mut writer = rq.into_writer();
    // A client that went away is no concern of the emulator's.
    let _ = writer.write_all(&message).and_then(|()| writer.flush());
}

fn handle(shared: &Shared, mut rq: Request) {
    let started = Instant::now();
    let verb = rq.method().as_str().to_ascii_uppercase();
    let (path, query) = wire::split_target(rq.url());
    match wire::route(&verb, &path) {
        Route::Control(what) => {
            let (status, body) = match what.as_str() {
                "world" => (200, export(&read(&shared.state), shared.now())),
                "requests" => {
                    let log: Vec<LoggedRequest> = lock(&shared.log).iter().cloned().collect();
                    (200, serde_json::to_value(log).unwrap_or(Value::Null))
                }
                "stats" => (200, shared.stats.to_json()),
                _ => (
                    404,
                    json!({"error": "Unknown emulator endpoint", "code": "Emulator"}),
                ),
            };
            respond_json(rq, status, &body, None);
        }
        Route::MethodNotAllowed => {
            let err = ApiError::method_not_allowed(&verb);
            record_unrouted(shared, verb, path, query, err.status, started);
            respond_json_with(
                rq,
                err.status,
                &err.body(),
                None,
                Some(("Allow", wire::ALLOWED_VERBS)),
            );
        }
        Route::NotFound => {
            let err = ApiError::no_service();
            record_unrouted(shared, verb, path, query, err.status, started);
            respond_json(rq, err.status, &err.body(), None);
        }
        Route::Rest {
            service,
            id,
            method,
            path_params,
        } => {
            let mut body = Vec::new();
            if verb != "GET" {
                let _ = rq.as_reader().take(MAX_BODY).read_to_end(&mut body);
            }
            if !shared.config.latency.is_zero() {
                std::thread::sleep(shared.config.latency);
            }
            let auth = rq
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.as_str().to_owned());
            let mut entry = LoggedRequest {
                method: verb.clone(),
                path,
                query: query.clone(),
                status: 0,
                service: Some(service.clone()),
                method_name: Some(method.clone()),
                id: id.clone(),
                parameters: None,
                service_us: 0,
                lock_wait_us: 0,
            };
            let mut lock_wait = Duration::ZERO;
            let outcome = api_call(
                shared,
                &verb,
                auth.as_deref(),
                &body,
                &mut lock_wait,
                &mut entry,
                |params| Call {
                    service,
                    id,
                    method: method.clone(),
                    params: params
                        .into_iter()
                        .chain(path_params.into_iter().map(Value::from))
                        .collect(),
                    mask: query
                        .iter()
                        .find(|(k, _)| k == "objectMask")
                        .map(|(_, v)| v.clone()),
                    filter: query
                        .iter()
                        .find(|(k, _)| k == "objectFilter")
                        .and_then(|(_, v)| serde_json::from_str(v).ok()),
                    limit: query
                        .iter()
                        .find(|(k, _)| k == "resultLimit")
                        .and_then(|(_, v)| wire::result_limit(v)),
                },
            );
            // The emulator's own time: all of it but the configured latency.
            let service = started.elapsed().saturating_sub(shared.config.latency);
            entry.service_us = micros(service);
            entry.lock_wait_us = micros(lock_wait);
            match outcome {
                Outcome::Lost => {
                    entry.status = 0;
                    shared.record(entry);
                    if let (Some(table), Some(peer)) = (&shared.connections, rq.remote_addr()) {
                        table.cut(*peer);
                    }
                    // Taking the writer means tiny_http writes nothing,
                    // not even its automatic 500.
                    drop(rq.into_writer());
                }
                Outcome::Answer(status, body, total) => {
                    entry.status = status;
                    shared.record(entry);
                    respond_json(rq, status, &body, total);
                }
                Outcome::Limited(err, retry_after) => {
                    entry.status = err.status;
                    shared.record(entry);
                    let seconds = retry_after.map(|s| s.to_string());
                    let header = seconds.as_deref().map(|s| ("Retry-After", s));
                    respond_json_with(rq, err.status, &err.body(), None, header);
                }
            }
        }
    }
}

enum Outcome {
    Answer(u16, Value, Option<usize>),
    /// The rate limit's error, with the `Retry-After` seconds a 429 carries.
    Limited(ApiError, Option<u64>),
    Lost,
}

fn api_call(
    shared: &Shared,
    verb: &str,
    auth: Option<&str>,
    body: &[u8],
    lock_wait: &mut Duration,
    entry: &mut LoggedRequest,
    make_call: impl FnOnce(Vec<Value>) -> Call,
) -> Outcome {
    let fail = |e: ApiError| Outcome::Answer(e.status, e.body(), None);
    let (username, user) = match authenticate(shared, wire::credentials(auth)) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let limit = shared.config.rate_limit;
    if let Err(wait) = lock(&shared.limiter).admit(&username, limit, Instant::now()) {
        let status = shared.config.rate_limit_status;
        let e = ApiError::rate_limited(limit, status);
        // A 429 says when to come back: the rest of the one-second window,
        // in whole seconds (so 1). SoftLayer's 500 was seen without one.
        let retry_after = (status == 429).then(|| wait.as_secs_f64().ceil().max(1.0) as u64);
        return Outcome::Limited(e, retry_after);
    }
    let (fail_draw, lose_draw) =
        if shared.config.fail_rate > 0.0 || shared.config.lose_response_rate > 0.0 {
            let mut rng = lock(&shared.rng);
            (rng.next_f64(), rng.next_f64())
        } else {
            (1.0, 1.0)
        };
    if fail_draw < shared.config.fail_rate {
        return fail(ApiError::internal());
    }
    let params = if verb == "GET" {
        Vec::new()
    } else {
        match wire::parameters(body) {
            Ok(p) => p,
            Err(e) => return fail(e),
        }
    };
    if !params.is_empty() {
        entry.parameters = Some(params.clone());
    }
    let call = make_call(params);
    let waiting = Instant::now();
    let result = if services::is_mutating(&call.method) {
        let mut state = write(&shared.state);
        *lock_wait = waiting.elapsed();
        services::dispatch(&mut state, shared.clock(), &user, &call)
    } else {
        let state = read(&shared.state);
        *lock_wait = waiting.elapsed();
        services::dispatch_read(&state, shared.clock(), &user, &call)
    };
    match result {
        Ok(Reply { body, total }) => {
            if services::is_mutating(&call.method)
                && shared.connections.is_some()
                && lose_draw < shared.config.lose_response_rate
            {
                Outcome::Lost
            } else {
                Outcome::Answer(200, body, total)
            }
        }
        Err(e) => fail(e),
    }
}

/// Checks the credentials; returns the username (for the rate limit) and
/// the `SoftLayer_User_Customer` the call runs as.
fn authenticate(shared: &Shared, creds: Option<Credentials>) -> Result<(String, Value), ApiError> {
    let creds = creds.ok_or_else(ApiError::unauthorized)?;
    match (&shared.users, creds) {
        (None, Credentials::Basic { username, .. }) => {
            let user = json!({
                "id": 7000,
                "username": username,
                "accountId": shared.account_id,
                "firstName": "Emulated",
                "lastName": "User",
                "displayName": username,
            });
            Ok((username, user))
        }
        (None, Credentials::Bearer) => Ok((
            "iam-token".into(),
            json!({"id": 7000, "username": "iam-token", "accountId": shared.account_id}),
        )),
        (Some(users), Credentials::Basic { username, api_key }) => {
            let user = users
                .iter()
                .find(|u| u.username() == username && u.api_key == api_key)
                .ok_or_else(ApiError::unauthorized)?;
            let mut fields = user.fields.clone();
            fields
                .entry("accountId")
                .or_insert_with(|| Value::from(shared.account_id));
            Ok((username, Value::Object(fields)))
        }
        (Some(_), Credentials::Bearer) => Err(ApiError::unauthorized()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::net::TcpStream;

    use super::*;

    /// Reads one response off a kept-alive connection: head lines and body.
    fn read_response(reader: &mut BufReader<TcpStream>) -> (Vec<String>, String) {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end().to_owned();
            if line.is_empty() {
                break;
            }
            head.push(line);
        }
        let length: usize = head
            .iter()
            .find_map(|h| h.strip_prefix("Content-Length: "))
            .expect("Content-Length")
            .parse()
            .unwrap();
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        (head, String::from_utf8(body).unwrap())
    }

    /// Large answers are framed by Content-Length, carry the usual headers,
    /// and the connection stays usable for the next request.
    #[test]
    fn answers_are_framed_and_connections_kept() {
        let world = World::from_json_str(&crate::generate_world(400, 3).to_string()).unwrap();
        let emulator = Emulator::start(world, Config::default(), "127.0.0.1:0").unwrap();
        let authority = emulator
            .base_url()
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let stream = TcpStream::connect(&authority).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        for target in [
            "/rest/v3.1/SoftLayer_Account/getVirtualGuests.json?resultLimit=0%2C150",
            "/rest/v3.1/SoftLayer_Virtual_Guest/999/getObject.json",
        ] {
            write!(
                writer,
                "GET {target} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Basic YTpi\r\n\r\n"
            )
            .unwrap();
            let (head, body) = read_response(&mut reader);
            assert!(head[0].starts_with("HTTP/1.1 "), "{head:?}");
            assert!(head.contains(&"Content-Type: application/json".to_owned()));
            assert!(!head.iter().any(|h| h.starts_with("Transfer-Encoding")));
            let json: Value = serde_json::from_str(&body).unwrap();
            if target.contains("getVirtualGuests") {
                assert_eq!(json.as_array().map(Vec::len), Some(150));
                assert!(
                    head.iter()
                        .any(|h| h.starts_with("SoftLayer-Total-Items: "))
                );
                assert!(body.len() > 32_768, "large enough to have been chunked");
            } else {
                assert_eq!(head[0], "HTTP/1.1 404 Not Found");
                assert_eq!(json["code"], "SoftLayer_Exception_ObjectNotFound");
            }
        }
    }

    /// Bound to every interface, the URL still names loopback, which a client can reach.
    #[test]
    fn unspecified_addresses_are_shown_as_loopback() {
        let world = World::from_json_str(r#"{"format": "slretire-world/1", "account": {"id": 1}}"#)
            .unwrap();
        let emulator = Emulator::start(world, Config::default(), "0.0.0.0:0").unwrap();
        let url = emulator.base_url();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let authority = url.trim_start_matches("http://").split('/').next().unwrap();
        assert!(TcpStream::connect(authority).is_ok(), "{authority}");
        let v6: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(reachable(v6).to_string(), "[::1]:8080");
        let given: SocketAddr = "127.0.0.2:80".parse().unwrap();
        assert_eq!(reachable(given), given);
    }
}
