//! The client other modules use: reads (retried), lists (all pages),
//! writes (never blindly repeated), one shared rate limiter and call count.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::softlayer::call::Call;
use crate::softlayer::clock::Clock;
use crate::softlayer::error::{ApiError, Failure, Fault, classify};
use crate::softlayer::rate_limit::RateLimiter;
use crate::softlayer::request::{self, HttpRequest};
use crate::softlayer::retry::{RetryPolicy, jitter};
use crate::softlayer::scrub::Secrets;
use crate::softlayer::settings::{Settings, SettingsError};
use crate::softlayer::transport::{Reply, Transport};

/// A SoftLayer REST client. Cheap to clone; clones share the connection
/// pool, the rate limiter and the call counter, so it can be handed to
/// worker threads.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// Performs one HTTP exchange (the transport, or a script in tests).
type Sender = Box<dyn Send + Sync + Fn(&HttpRequest) -> Result<Reply, Failure>>;

struct Inner {
    settings: Settings,
    sender: Sender,
    limiter: RateLimiter,
    /// What no error this client returns may show.
    secrets: Secrets,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    calls: AtomicU64,
    retries: AtomicU64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint())
            .field("username", &self.inner.settings.username())
            .field("calls_made", &self.calls_made())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `settings`.
    pub fn new(settings: Settings) -> Result<Client, SettingsError> {
        let transport = Transport::new(&settings);
        Ok(Client::with_sender(settings, move |request| {
            transport.send(request)
        }))
    }

    /// A client whose HTTP exchanges go through `sender` (tests script the answers).
    pub(crate) fn with_sender(
        settings: Settings,
        sender: impl Send + Sync + Fn(&HttpRequest) -> Result<Reply, Failure> + 'static,
    ) -> Client {
        let clock = settings.clock.clone();
        Client {
            inner: Arc::new(Inner {
                limiter: RateLimiter::new(settings.rate_limit, clock.clone()),
                secrets: settings.credentials().secrets(),
                retry: settings.retry,
                sender: Box::new(sender),
                settings,
                clock,
                calls: AtomicU64::new(0),
                retries: AtomicU64::new(0),
            }),
        }
    }

    /// The REST endpoint, normalised, ending in `/`.
    pub fn endpoint(&self) -> &str {
        self.inner.settings.endpoint()
    }

    /// The settings this client was built from (never shows the key).
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// HTTP requests sent so far, retries included.
    pub fn calls_made(&self) -> u64 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// Requests that were repeats of a failed attempt.
    pub fn retries_made(&self) -> u64 {
        self.inner.retries.load(Ordering::Relaxed)
    }

    /// Calls per second the shared limiter admits now: `--rate-limit` until
    /// the API refuses a call for its rate, less afterwards.
    pub fn current_rate(&self) -> f64 {
        self.inner.limiter.rate()
    }

    /// Judges one answer, showing its texts without this client's credentials.
    pub(crate) fn classify(&self, reply: &Reply) -> Result<Value, Failure> {
        classify(reply, &self.inner.secrets)
    }

    /// The credentials as error texts must never show them.
    pub(crate) fn secrets(&self) -> &Secrets {
        &self.inner.secrets
    }

    /// An idempotent call, repeated on transport errors, server faults and
    /// rate limits.
    pub fn read(&self, call: &Call<'_>) -> Result<Value, ApiError> {
        self.execute(call, false)
    }

    /// A mutating call. Repeated only when the server certainly did not
    /// process it (connection refused, rate limited); an unknown outcome is
    /// [`ApiError::Ambiguous`]: read the object back before deciding.
    pub fn write(&self, call: &Call<'_>) -> Result<Value, ApiError> {
        self.execute(call, true)
    }

    /// One request with its retries: the JSON of the answer.
    fn execute(&self, call: &Call<'_>, mutating: bool) -> Result<Value, ApiError> {
        self.execute_as(call, None, mutating, |reply| self.classify(&reply))
    }

    /// One request with its retries; `decode` judges each answer (a
    /// failure it returns is retried or not as the fault says). Lets a list
    /// page be read straight from its body, without a JSON tree of it.
    pub(crate) fn execute_as<A>(
        &self,
        call: &Call<'_>,
        page: Option<(u64, u64)>,
        mutating: bool,
        decode: impl Fn(Reply) -> Result<A, Failure>,
    ) -> Result<A, ApiError> {
        let request = request::build(self.endpoint(), call, page);
        let inner = &self.inner;
        let started = inner.clock.now();
        let mut attempts = 0;
        loop {
            let ticket = inner.limiter.acquire();
            attempts += 1;
            if attempts > 1 {
                inner.retries.fetch_add(1, Ordering::Relaxed);
            }
            inner.calls.fetch_add(1, Ordering::Relaxed);
            let outcome = (inner.sender)(&request).and_then(&decode);
            let failure = match outcome {
                Ok(answer) => {
                    inner.limiter.answered();
                    return Ok(answer);
                }
                Err(failure) => failure,
            };
            let elapsed = inner.clock.now().saturating_duration_since(started);
            let delay = match failure.fault {
                Fault::RateLimited(retry_after) => {
                    // SoftLayer counts calls per user: every thread slows
                    // down and waits, so both go into the shared limiter.
                    let refusal = inner.limiter.refused(ticket, jitter());
                    let step = refusal.step(inner.retry.rate_limit_delay, attempts);
                    let delay = inner.retry.rate_limit_delay(
                        retry_after,
                        attempts,
                        elapsed,
                        jitter(),
                        step,
                    );
                    if let Some(pause) = delay {
                        inner.limiter.hold_off(pause);
                    }
                    delay
                }
                fault => {
                    if failure.error.status().is_some() {
                        inner.limiter.answered();
                    }
                    inner
                        .retry
                        .next_delay(fault, mutating, attempts, elapsed, jitter())
                }
            };
            match delay {
                Some(_) if matches!(failure.fault, Fault::RateLimited(_)) => {}
                Some(delay) => inner.clock.sleep(delay),
                None => {
                    let mut error = failure.settle(mutating);
                    // Retries can take minutes (see docs/client.md): say
                    // how many there were and how long they took.
                    if attempts > 1
                        && let ApiError::Transport { message } = &mut error
                    {
                        let elapsed = inner.clock.now().saturating_duration_since(started);
                        message.push_str(&format!(
                            "; gave up after {attempts} attempts over {:.1}s",
                            elapsed.as_secs_f64()
                        ));
                    }
                    return Err(inner.secrets.scrub_error(error));
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::softlayer::clock::FakeClock;

    /// A client answering from a script, on a fake clock, recording requests.
    pub(crate) struct Scripted {
        pub(crate) client: Client,
        pub(crate) clock: Arc<FakeClock>,
        pub(crate) requests: Arc<Mutex<Vec<HttpRequest>>>,
    }

    pub(crate) fn reply(status: u16, body: &str) -> Result<Reply, Failure> {
        Ok(Reply::new(status, body))
    }

    pub(crate) fn settings() -> Settings {
        let connection = crate::softlayer::settings::Overrides {
            rate_limit: Some(1000.0),
            page_size: Some(2),
            ..Default::default()
        };
        Settings::for_emulator("http://127.0.0.1:1/rest/v3.1/", &connection)
    }

    /// Answers come from `script` in order; an exhausted script is a test bug.
    pub(crate) fn scripted(settings: Settings, script: Vec<Result<Reply, Failure>>) -> Scripted {
        let script = Mutex::new(VecDeque::from(script));
        responder(settings, move |_| {
            script
                .lock()
                .unwrap()
                .pop_front()
                .expect("script exhausted")
        })
    }

    /// Answers computed from each request.
    pub(crate) fn responder(
        settings: Settings,
        answer: impl Send + Sync + Fn(&HttpRequest) -> Result<Reply, Failure> + 'static,
    ) -> Scripted {
        let clock = Arc::new(FakeClock::new());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let client = Client::with_sender(settings.with_clock(clock.clone()), move |request| {
            log.lock().unwrap().push(request.clone());
            answer(request)
        });
        Scripted {
            client,
            clock,
            requests,
        }
    }

    fn transport_error(fault: Fault) -> Result<Reply, Failure> {
        Err(Failure {
            error: ApiError::Transport {
                message: "connection reset".into(),
            },
            fault,
        })
    }

    const INTERNAL: &str = r#"{"error": "Internal Error", "code": "SoftLayer_Exception_Public"}"#;
    const RATE: &str = r#"{"error": "Rate limit of 50 requests for every 1 second(s) exceeded.", "code": "SoftLayer_Exception_WebService_RateLimitExceeded"}"#;

    /// A read survives transport errors and server faults, backing off between attempts.
    #[test]
    fn read_retries_until_success() {
        let s = scripted(
            settings(),
            vec![
                transport_error(Fault::Unknown),
                reply(503, "<html>busy</html>"),
                reply(500, INTERNAL),
                reply(200, r#"{"id": 1}"#),
            ],
        );
        let value = s
            .client
            .read(&Call::new("SoftLayer_Account", "getObject"))
            .unwrap();
        assert_eq!(value, json!({"id": 1}));
        assert_eq!(s.client.calls_made(), 4);
        assert_eq!(s.client.retries_made(), 3);
        let backoffs: Vec<Duration> = s
            .clock
            .sleeps()
            .into_iter()
            .filter(|d| *d >= Duration::from_millis(100))
            .collect();
        assert_eq!(backoffs.len(), 3, "{:?}", s.clock.sleeps());
        assert!(
            backoffs[2] >= Duration::from_millis(500),
            "exponential: {backoffs:?}"
        );
    }

    /// A read gives up after the attempt limit with the last error.
    #[test]
    fn read_gives_up() {
        let s = scripted(settings(), (0..8).map(|_| reply(500, INTERNAL)).collect());
        let err = s
            .client
            .read(&Call::new("SoftLayer_Account", "getObject"))
            .unwrap_err();
        assert!(err.is_refused(), "{err:?}");
        assert_eq!(s.client.calls_made(), 8);
    }

    /// A transport error after retries names the attempts and the time they took.
    #[test]
    fn repeated_transport_errors_count_attempts() {
        let mut fast = settings();
        fast.retry.base_delay = Duration::from_millis(100);
        let s = scripted(
            fast,
            (0..8).map(|_| transport_error(Fault::Unknown)).collect(),
        );
        let err = s
            .client
            .read(&Call::new("SoftLayer_Account", "getObject"))
            .unwrap_err();
        let message = err.to_string();
        let total = s.clock.elapsed().as_secs_f64();
        assert!(
            message.ends_with(&format!(
                "connection reset; gave up after 8 attempts over {total:.1}s"
            )),
            "{message}"
        );
        let s = scripted(settings(), vec![transport_error(Fault::Final)]);
        let err = s
            .client
            .read(&Call::new("SoftLayer_Account", "getObject"))
            .unwrap_err();
        assert_eq!(err.to_string(), "could not reach the API: connection reset");
        assert_eq!(
            s.client.calls_made(),
            1,
            "a final transport error is not repeated"
        );
    }

    /// Definite errors are not retried.
    #[test]
    fn read_does_not_retry_final_answers() {
        let s = scripted(
            settings(),
            vec![reply(
                404,
                r#"{"error": "Unable to find object with id of '1'.", "code": "SoftLayer_Exception_ObjectNotFound"}"#,
            )],
        );
        let err = s
            .client
            .read(&Call::new("SoftLayer_Virtual_Guest", "getObject").id(1))
            .unwrap_err();
        assert!(err.is_not_found());
        assert_eq!(s.client.calls_made(), 1);
    }

    /// A write that may have been processed is reported as ambiguous after one attempt.
    #[test]
    fn write_unknown_outcome_is_ambiguous() {
        for answer in [
            transport_error(Fault::Unknown),
            reply(500, INTERNAL),
            reply(502, ""),
            reply(200, ""),
        ] {
            let s = scripted(settings(), vec![answer]);
            let err = s
                .client
                .write(&Call::new("SoftLayer_Billing_Item", "cancelService").id(5))
                .unwrap_err();
            assert!(err.is_ambiguous(), "{err:?}");
            assert_eq!(s.client.calls_made(), 1);
        }
    }

    /// A write that was rate limited or never sent is repeated and succeeds.
    #[test]
    fn write_retries_when_not_executed() {
        let mut slow = settings();
        slow.rate_limit = 10.0;
        let s = scripted(
            slow,
            vec![
                reply(500, RATE),
                transport_error(Fault::NotSent),
                reply(200, "true"),
            ],
        );
        let value = s
            .client
            .write(&Call::new("SoftLayer_Billing_Item", "cancelService").id(5))
            .unwrap();
        assert_eq!(value, json!(true));
        assert_eq!(s.client.calls_made(), 3);
        assert!(
            s.clock
                .sleeps()
                .iter()
                .any(|d| *d >= Duration::from_millis(200)),
            "waited out the rate limit: {:?}",
            s.clock.sleeps()
        );
    }

    /// A clean refusal of a write is final and keeps the API's message.
    #[test]
    fn write_refusal_is_final() {
        let s = scripted(
            settings(),
            vec![reply(
                500,
                r#"{"error": "Unable to cancel: billing item is already cancelled.", "code": "SoftLayer_Exception_Public"}"#,
            )],
        );
        let err = s
            .client
            .write(&Call::new("SoftLayer_Billing_Item", "cancelService").id(5))
            .unwrap_err();
        assert_eq!(
            err,
            ApiError::Refused {
                status: 500,
                code: "SoftLayer_Exception_Public".into(),
                message: "Unable to cancel: billing item is already cancelled.".into()
            }
        );
    }

    /// Retry-After from a 429 is waited out before the next attempt.
    #[test]
    fn retry_after_is_honoured() {
        let mut limited = Reply::new(429, "");
        limited.retry_after = Some(Duration::from_secs(4));
        let limited = Ok(limited);
        let s = scripted(settings(), vec![limited, reply(200, "[]")]);
        s.client
            .read(&Call::new("SoftLayer_Account", "getHardware"))
            .unwrap();
        assert!(
            s.clock
                .sleeps()
                .iter()
                .any(|d| *d >= Duration::from_secs(4)),
            "{:?}",
            s.clock.sleeps()
        );
    }

    /// Every attempt passes the rate limiter, retries included.
    #[test]
    fn every_attempt_is_rate_limited() {
        let mut slow = settings();
        slow.rate_limit = 2.0;
        slow.retry.base_delay = Duration::from_millis(1);
        let s = scripted(slow, vec![reply(503, ""), reply(200, "1"), reply(200, "2")]);
        s.client
            .read(&Call::new("SoftLayer_Account", "getObject"))
            .unwrap();
        s.client
            .read(&Call::new("SoftLayer_Account", "getObject"))
            .unwrap();
        assert!(
            s.clock.elapsed() >= Duration::from_secs(1),
            "3 calls at 2/s span a second: {:?}",
            s.clock.elapsed()
        );
    }

    /// A rate-limit refusal slows the shared limiter down; a refusal of a
    /// call sent before that decrease does not slow it down again.
    #[test]
    fn refusals_slow_the_shared_limiter() {
        let mut capped = settings();
        capped.rate_limit = 50.0;
        let s = scripted(
            capped,
            vec![
                reply(500, RATE),
                reply(200, "1"),
                reply(429, ""),
                reply(200, "2"),
            ],
        );
        let client = s.client.clone();
        assert_eq!(client.current_rate(), 50.0);
        s.client
            .read(&Call::new("SoftLayer_Account", "getObject"))
            .unwrap();
        // Down to a quarter, 12.5 (nothing was answered; jitter up to 10%
        // more), then up to 1 s of pause regaining 2.5/s per second.
        let after_one = client.current_rate();
        assert!(after_one > 11.0 && after_one < 15.5, "{after_one}");
        s.client
            .read(&Call::new("SoftLayer_Account", "getObject"))
            .unwrap();
        let after_two = client.current_rate();
        assert!(after_two < after_one, "{after_one} -> {after_two}");
        assert_eq!(client.calls_made(), 4);
    }

    /// After a refusal the call waits about one interval at the lowered
    /// rate (10/s drops to a quarter, less up to 10% jitter: 2.25 to 2.5/s;
    /// half to all of one interval: 200 to 445 ms), and every clone of the
    /// client runs at the lowered rate.
    #[test]
    fn refusals_pause_and_slow_every_clone() {
        let mut slow = settings();
        slow.rate_limit = 10.0;
        let s = scripted(slow, vec![reply(500, RATE), reply(200, "1")]);
        let other = s.client.clone();
        s.client
            .read(&Call::new("SoftLayer_Account", "getObject"))
            .unwrap();
        let paused = s.clock.elapsed();
        assert!(
            paused >= Duration::from_millis(200) && paused <= Duration::from_millis(445),
            "{paused:?}"
        );
        assert!(other.current_rate() < 3.0, "{}", other.current_rate());
    }

    /// An API that echoes the Authorization header, or the key, gets neither
    /// printed; a 20 MB error text is cut to a few KB with a note.
    #[test]
    fn errors_never_show_credentials_and_stay_short() {
        const KEY: &str = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
        let signed = settings().signed_in_as("testuser", KEY);
        let basic = signed.credentials().authorization();
        let echo = format!(
            r#"{{"error": "Bad header {basic} for testuser:{KEY}", "code": "SoftLayer_Exception_Public"}}"#
        );
        let huge = format!(
            r#"{{"error": "{}{KEY}", "code": "SoftLayer_Exception_Public"}}"#,
            "e".repeat(20 * 1024 * 1024)
        );
        let s = scripted(
            signed,
            vec![
                reply(400, &echo),
                reply(400, &huge),
                reply(400, &format!("<html>{basic}</html>")),
            ],
        );
        for _ in 0..3 {
            let err = s
                .client
                .read(&Call::new("SoftLayer_Account", "getObject"))
                .unwrap_err();
            let shown = err.to_string();
            let b64 = basic.trim_start_matches("Basic ");
            assert!(
                !shown.contains(KEY) && !shown.contains(b64) && !shown.contains(&KEY[..16]),
                "{}",
                &shown[..shown.len().min(300)]
            );
            assert!(shown.len() < 4096, "{} bytes", shown.len());
            assert!(
                shown.contains("***") || shown.contains("more bytes not shown"),
                "{shown}"
            );
        }
    }

    /// Debug output of a client shows the endpoint and user, never the key.
    #[test]
    fn debug_hides_the_key() {
        let var = |name: &str| match name {
            "SL_USERNAME" => Some("someone".into()),
            "SL_API_KEY" => Some("k3y-that-must-not-show".into()),
            _ => None,
        };
        let env = crate::softlayer::settings::Environment {
            var: &var,
            home: None,
        };
        let settings =
            Settings::resolve_in(&crate::softlayer::settings::Overrides::default(), &env).unwrap();
        let client = Client::new(settings).unwrap();
        let debug = format!("{client:?} {:?}", client.settings());
        assert!(
            debug.contains("someone") && debug.contains("api.softlayer.com"),
            "{debug}"
        );
        assert!(!debug.contains("k3y-that-must-not-show"), "{debug}");
    }
}
