//! The running emulator: its own HTTP/1.1 server (`http`), a thread per
//! connection, the state behind one read-write lock (reads side by side,
//! writes alone), faults, and the request log.

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::api_error::ApiError;
use crate::cancel::Clock;
use crate::config::Config;
use crate::faults::{RateLimiter, SplitMix64};
use crate::http::{self, Incoming, Request, Response};
use crate::request_log::LoggedRequest;
use crate::services::{self, Call, Reply};
use crate::state::{State, User};
use crate::stats::ServiceStats;
use crate::wire::{self, Credentials, Route};
use crate::world::{World, export};

/// Entries kept in the request log (oldest dropped first).
const LOG_CAPACITY: usize = 100_000;

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
    /// The world's `clock` and when serving began: a world that names the
    /// moment it describes is served from that moment on, time running.
    world_clock: Option<(Timestamp, std::time::Instant)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one connection must not take the whole emulator down.
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

/// Open client connections: a handle on each socket (to close it when the
/// emulator stops) and the threads serving them.
#[derive(Default)]
struct Connections {
    next: u64,
    sockets: HashMap<u64, TcpStream>,
    threads: Vec<JoinHandle<()>>,
}

/// A running emulator. Stops (and joins its threads) on [`Emulator::stop`]
/// or when dropped.
pub struct Emulator {
    shared: Arc<Shared>,
    connections: Arc<Mutex<Connections>>,
    accept: Option<JoinHandle<()>>,
    addr: SocketAddr,
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
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
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
        });
        let connections = Arc::new(Mutex::new(Connections::default()));
        let accept = {
            let shared = Arc::clone(&shared);
            let connections = Arc::clone(&connections);
            std::thread::Builder::new()
                .name("emulator-accept".into())
                .spawn(move || accept_loop(&shared, &listener, &connections))?
        };
        Ok(Emulator {
            shared,
            connections,
            accept: Some(accept),
            addr,
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

    /// Stops serving and joins every thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.shared.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        // Wake the accept loop, which then sees the stop flag.
        let _ = TcpStream::connect(reachable(self.addr));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let (sockets, threads) = {
            let mut c = lock(&self.connections);
            (
                std::mem::take(&mut c.sockets),
                std::mem::take(&mut c.threads),
            )
        };
        for socket in sockets.values() {
            let _ = socket.shutdown(Shutdown::Both);
        }
        for t in threads {
            let _ = t.join();
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

fn accept_loop(
    shared: &Arc<Shared>,
    listener: &TcpListener,
    connections: &Arc<Mutex<Connections>>,
) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        // Answers leave in one write; no reason to delay them.
        let _ = stream.set_nodelay(true);
        let Ok(handle) = stream.try_clone() else {
            continue;
        };
        let mut c = lock(connections);
        // Threads of closed connections are joined as new ones come.
        let (done, running): (Vec<_>, Vec<_>) = std::mem::take(&mut c.threads)
            .into_iter()
            .partition(JoinHandle::is_finished);
        c.threads = running;
        for t in done {
            let _ = t.join();
        }
        let id = c.next;
        c.next += 1;
        c.sockets.insert(id, handle);
        let thread = {
            let shared = Arc::clone(shared);
            let connections = Arc::clone(connections);
            std::thread::Builder::new()
                .name(format!("emulator-conn-{id}"))
                .spawn(move || {
                    serve(&shared, stream);
                    lock(&connections).sockets.remove(&id);
                })
        };
        match thread {
            Ok(t) => c.threads.push(t),
            Err(_) => {
                if let Some(s) = c.sockets.remove(&id) {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
        }
    }
}

/// What to do with one request.
enum Answer {
    Json {
        status: u16,
        body: Value,
        headers: Vec<(&'static str, String)>,
    },
    /// The lost-response fault: close the connection without a byte.
    Lost,
}

fn json_answer(status: u16, body: Value) -> Answer {
    Answer::Json {
        status,
        body,
        headers: Vec::new(),
    }
}

/// Serves the requests of one connection, in order, until it closes.
fn serve(shared: &Shared, stream: TcpStream) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let rq = match http::read_request(&mut reader, &mut writer) {
            Incoming::Closed => return,
            Incoming::Refused { status, message } => {
                let body = ApiError::http(status, message).body();
                let bytes = serde_json::to_vec(&body).unwrap_or_default();
                let response = Response {
                    status,
                    body: &bytes,
                    headers: Vec::new(),
                    close: true,
                };
                let _ = http::write_response(&mut writer, (1, 1), false, &response);
                let _ = writer.shutdown(Shutdown::Write);
                drain(&mut reader);
                return;
            }
            Incoming::Request(rq) => rq,
        };
        let keep_alive = rq.keep_alive();
        // A bug in one call answers 500 and ends this connection only.
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(shared, &rq)))
            .unwrap_or_else(|_| {
                let err = ApiError::internal();
                json_answer(err.status, err.body())
            });
        match answer {
            Answer::Lost => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Answer::Json {
                status,
                body,
                headers,
            } => {
                let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"null".to_vec());
                let response = Response {
                    status,
                    body: &bytes,
                    headers,
                    close: !keep_alive,
                };
                let head_only = rq.method.eq_ignore_ascii_case("HEAD");
                if http::write_response(&mut writer, rq.version, head_only, &response).is_err()
                    || !keep_alive
                {
                    let _ = writer.shutdown(Shutdown::Both);
                    return;
                }
            }
        }
    }
}

/// Reads and drops what a refused client still sends (bounded in bytes and
/// time), so closing the socket does not reset the connection before the
/// client has read the answer.
fn drain(reader: &mut BufReader<TcpStream>) {
    let _ = reader
        .get_ref()
        .set_read_timeout(Some(std::time::Duration::from_secs(1)));
    let _ = io::copy(&mut reader.take(DRAIN_LIMIT), &mut io::sink());
}

/// Most bytes read and dropped after a refused request.
const DRAIN_LIMIT: u64 = 4 * 1024 * 1024;

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

fn handle(shared: &Shared, rq: &Request) -> Answer {
    let started = Instant::now();
    let verb = rq.method.to_ascii_uppercase();
    let (path, query) = wire::split_target(&rq.target);
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
            json_answer(status, body)
        }
        Route::MethodNotAllowed => {
            let err = ApiError::method_not_allowed(&verb);
            record_unrouted(shared, verb, path, query, err.status, started);
            Answer::Json {
                status: err.status,
                body: err.body(),
                headers: vec![("Allow", wire::ALLOWED_VERBS.to_owned())],
            }
        }
        Route::NotFound => {
            let err = ApiError::no_service();
            record_unrouted(shared, verb, path, query, err.status, started);
            json_answer(err.status, err.body())
        }
        Route::Rest {
            service,
            id,
            method,
            path_params,
        } => {
            if !shared.config.latency.is_zero() {
                std::thread::sleep(shared.config.latency);
            }
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
            let body: &[u8] = if verb == "GET" { &[] } else { &rq.body };
            let outcome = api_call(
                shared,
                &verb,
                rq.header("Authorization"),
                body,
                &query,
                &mut entry,
                |params, filter| Call {
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
                    filter,
                    limit: query
                        .iter()
                        .find(|(k, _)| k == "resultLimit")
                        .and_then(|(_, v)| wire::result_limit(v)),
                },
            );
            // The emulator's own time: all of it but the configured latency.
            let service = started.elapsed().saturating_sub(shared.config.latency);
            entry.service_us = micros(service);
            match outcome {
                Outcome::Lost => {
                    entry.status = 0;
                    shared.record(entry);
                    Answer::Lost
                }
                Outcome::Answer(status, body, total) => {
                    entry.status = status;
                    shared.record(entry);
                    Answer::Json {
                        status,
                        body,
                        headers: total
                            .map(|n| ("SoftLayer-Total-Items", n.to_string()))
                            .into_iter()
                            .collect(),
                    }
                }
                Outcome::Limited(err, retry_after) => {
                    entry.status = err.status;
                    shared.record(entry);
                    Answer::Json {
                        status: err.status,
                        body: err.body(),
                        headers: retry_after
                            .map(|s| ("Retry-After", s.to_string()))
                            .into_iter()
                            .collect(),
                    }
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
    query: &[(String, String)],
    // Also receives the parameters and the wait for the state.
    entry: &mut LoggedRequest,
    make_call: impl FnOnce(Vec<Value>, Option<Value>) -> Call,
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
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "at least 1 and at most the window's second"
        )]
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
    let filter = match wire::object_filter(query) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let call = make_call(params, filter);
    let waiting = Instant::now();
    let result = if services::is_mutating(&call.method) {
        let mut state = write(&shared.state);
        entry.lock_wait_us = micros(waiting.elapsed());
        services::dispatch(&mut state, shared.clock(), &user, &call)
    } else {
        let state = read(&shared.state);
        entry.lock_wait_us = micros(waiting.elapsed());
        services::dispatch_read(&state, shared.clock(), &user, &call)
    };
    match result {
        Ok(Reply { body, total }) => {
            if services::is_mutating(&call.method) && lose_draw < shared.config.lose_response_rate {
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
    use std::io::{BufRead, BufReader, Read, Write};
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
