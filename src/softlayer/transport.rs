//! The HTTP exchange itself: ureq 3 over rustls, one agent (one connection
//! pool) per client, the `Authorization` header built once.

use std::fmt;
use std::io::{self, Read as _};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ureq::Error as UreqError;
use ureq::Timeout;

use crate::softlayer::endpoint;
use crate::softlayer::error::{ApiError, Failure, Fault, too_large};
use crate::softlayer::memory_budget::{LARGE_ALLOWANCE, MemoryBudget, Meter};
use crate::softlayer::request::{HttpRequest, Verb};
use crate::softlayer::retry::parse_retry_after;
use crate::softlayer::settings::Settings;

/// The User-Agent of every request.
pub(crate) const USER_AGENT: &str = concat!("slretire/", env!("CARGO_PKG_VERSION"));
/// Largest response body read (a page of 500 fully masked objects is ~1 MB).
const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;
/// Most an answer that is not a successful list page may take, body and
/// tree: such answers (one object, `true`, an error document) are a few
/// KB, and their tree is handed to the caller whole.
const CALL_ALLOWANCE: u64 = 16 * 1024 * 1024;
/// Bytes read from the connection at a time.
const CHUNK_BYTES: usize = 64 * 1024;

/// What the server answered, whatever the status.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: String,
    /// `SoftLayer-Total-Items`, when present and a number.
    pub(crate) total_items: Option<u64>,
    pub(crate) retry_after: Option<Duration>,
    /// The memory this answer may take while it is decoded; its slot in the
    /// client's budget is given back when the reply is dropped.
    pub(crate) meter: Meter,
}

#[cfg(test)]
impl Reply {
    /// An answer with no headers of note, not counted against any budget.
    pub(crate) fn new(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            body: body.into(),
            total_items: None,
            retry_after: None,
            meter: Meter::unlimited(),
        }
    }
}

/// An `Authorization` header value; `Debug` never shows it.
#[derive(Clone)]
struct SecretHeader(String);

impl fmt::Debug for SecretHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Sends requests; knows nothing about SoftLayer beyond its two headers.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    authorization: SecretHeader,
    /// `--timeout`, named in timeout messages.
    timeout: Duration,
    /// Shared by every answer this client reads.
    budget: Arc<MemoryBudget>,
}

impl Transport {
    /// An agent for `settings`: statuses are not errors (the API's error body
    /// must be read), HTTPS required off loopback, the environment's proxy
    /// except for loopback, no redirects (they could carry the key elsewhere).
    pub(crate) fn new(settings: &Settings) -> Transport {
        let proxy = if settings.is_loopback() {
            None
        } else {
            ureq::Proxy::try_from_env()
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .https_only(!settings.is_loopback())
            .proxy(proxy)
            .max_redirects(0)
            .timeout_connect(Some(settings.connect_timeout))
            .timeout_per_call(Some(settings.timeout))
            .user_agent(USER_AGENT)
            .accept("*/*")
            .build()
            .into();
        Transport {
            agent,
            authorization: SecretHeader(settings.credentials().authorization()),
            timeout: settings.timeout,
            budget: MemoryBudget::new(),
        }
    }

    /// Sends one request and reads the whole answer.
    pub(crate) fn send(&self, request: &HttpRequest) -> Result<Reply, Failure> {
        let url = request.url.as_str();
        let auth = self.authorization.0.as_str();
        let body = request.body.as_deref().unwrap_or("").as_bytes();
        let result = match request.verb {
            Verb::Get => with_headers(self.agent.get(url), auth).call(),
            Verb::Post => with_headers(self.agent.post(url), auth).send(body),
            Verb::Put => with_headers(self.agent.put(url), auth).send(body),
        };
        let mut response = result.map_err(|err| failure(&err, self.timeout))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if (300..400).contains(&status) {
            return Err(redirect(status, header("location").as_deref()));
        }
        let total_items =
            header("softlayer-total-items").and_then(|v| v.trim().parse::<u64>().ok());
        let retry_after =
            header("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()));
        // A list page may be large (it is decoded one object at a time);
        // any other answer, and any error document, is a few KB.
        let meter = self
            .budget
            .meter(if request.page && (200..300).contains(&status) {
                LARGE_ALLOWANCE
            } else {
                CALL_ALLOWANCE
            });
        let body = self.read_body(response.body_mut(), status, &meter)?;
        Ok(Reply {
            status,
            body,
            total_items,
            retry_after,
            meter,
        })
    }

    /// Reads the body, counting it against `meter` as it arrives (a body
    /// past the meter's cap is refused before it is read whole).
    fn read_body(
        &self,
        body: &mut ureq::Body,
        status: u16,
        meter: &Meter,
    ) -> Result<String, Failure> {
        let announced = body.content_length().filter(|len| *len <= meter.cap());
        let mut reader = body.with_config().limit(MAX_BODY_BYTES).reader();
        let mut buf: Vec<u8> = Vec::new();
        if let Some(len) = announced {
            // Known length: charged and reserved once, no reallocation.
            if !meter.charge(len) {
                return Err(too_large(status, meter.cap()));
            }
            buf.reserve_exact(usize::try_from(len).unwrap_or(0));
        }
        let mut chunk = vec![0; CHUNK_BYTES];
        loop {
            let read = match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => read,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    let err = UreqError::from(err);
                    if matches!(err, UreqError::BodyExceedsLimit(_)) {
                        return Err(too_large(status, MAX_BODY_BYTES));
                    }
                    return Err(failure(&err, self.timeout));
                }
            };
            let before = buf.capacity();
            buf.extend_from_slice(&chunk[..read]);
            let grown = (buf.capacity() - before) as u64;
            if grown > 0 && !meter.charge(grown) {
                return Err(too_large(status, meter.cap()));
            }
        }
        String::from_utf8(buf).map_err(|_| Failure {
            error: ApiError::InvalidResponse {
                status,
                message: "the answer is not valid UTF-8".into(),
            },
            fault: Fault::Unknown,
        })
    }
}

/// A 3xx answer: never followed (the `Authorization` header would go
/// along, maybe to another host, and a POST would be replayed), so it ends
/// the call with the status and where it pointed, redacted. Repeating it
/// gets the same answer, and the server did not process the call.
fn redirect(status: u16, location: Option<&str>) -> Failure {
    let target = match location {
        Some(location) => format!("a redirect to {}", endpoint::redact(location)),
        None => "a redirect without a Location".to_string(),
    };
    Failure {
        error: ApiError::InvalidResponse {
            status,
            message: format!(
                "{target}, which slretire does not follow (the API key would go along); \
                 check the endpoint and use the URL the API answers on"
            ),
        },
        fault: Fault::Final,
    }
}

/// The headers the SDK sends on every request (User-Agent and Accept come from the agent).
fn with_headers<B>(
    builder: ureq::RequestBuilder<B>,
    authorization: &str,
) -> ureq::RequestBuilder<B> {
    builder
        .header("Accept", "*/*")
        .header("Content-Type", "application/json")
        .header("Authorization", authorization)
}

/// Judges a transport error: did the request certainly not reach the
/// server, and is asking again any use?
fn failure(err: &UreqError, timeout: Duration) -> Failure {
    let fault = match err {
        UreqError::HostNotFound
        | UreqError::ConnectionFailed
        | UreqError::ConnectProxyFailed(_)
        | UreqError::Timeout(Timeout::Resolve | Timeout::Connect) => Fault::NotSent,
        // The settings or the local TLS setup: asking again gets the same.
        UreqError::BadUri(_)
        | UreqError::RequireHttpsOnly(_)
        | UreqError::InvalidProxyUrl
        | UreqError::Tls(_)
        | UreqError::Pem(_)
        | UreqError::TlsRequired => Fault::Final,
        UreqError::Rustls(tls) => tls_fault(tls),
        UreqError::Io(io) => io_fault(io),
        _ => Fault::Unknown,
    };
    Failure {
        error: ApiError::Transport {
            message: describe(err, timeout),
        },
        fault,
    }
}

/// An I/O error: a failed connection or name lookup never sent anything; a
/// TLS error says itself; anything else may have come after sending.
fn io_fault(err: &io::Error) -> Fault {
    if is_connect_error(err) || is_lookup_error(err) {
        return Fault::NotSent;
    }
    match rustls_error(err) {
        Some(tls) => tls_fault(tls),
        None => Fault::Unknown,
    }
}

/// rustls reports handshake and record errors as `InvalidData` I/O errors
/// carrying its own error.
fn rustls_error(err: &io::Error) -> Option<&rustls::Error> {
    err.get_ref()?.downcast_ref::<rustls::Error>()
}

/// A TLS error. Certificate and version problems come from the handshake,
/// before any request byte, and repeat identically: final. Other handshake
/// failures are worth the few connection attempts. Record errors can come
/// after the request was sent: unknown.
fn tls_fault(err: &rustls::Error) -> Fault {
    use rustls::AlertDescription as Alert;
    match err {
        rustls::Error::InvalidCertificate(_)
        | rustls::Error::NoCertificatesPresented
        | rustls::Error::UnsupportedNameType
        | rustls::Error::InvalidCertRevocationList(_)
        | rustls::Error::PeerIncompatible(_)
        | rustls::Error::NoApplicationProtocol => Fault::Final,
        rustls::Error::InappropriateHandshakeMessage { .. }
        | rustls::Error::InvalidEncryptedClientHello(_)
        | rustls::Error::HandshakeNotComplete => Fault::NotSent,
        rustls::Error::AlertReceived(
            Alert::HandshakeFailure
            | Alert::ProtocolVersion
            | Alert::InsufficientSecurity
            | Alert::UnrecognisedName
            | Alert::NoApplicationProtocol
            | Alert::CertificateRequired
            | Alert::UnknownCA
            | Alert::BadCertificate
            | Alert::UnsupportedCertificate
            | Alert::CertificateExpired
            | Alert::CertificateRevoked
            | Alert::CertificateUnknown,
        ) => Fault::NotSent,
        _ => Fault::Unknown,
    }
}

/// Errors only a failed connection attempt produces.
fn is_connect_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::AddrNotAvailable
    )
}

/// The standard library's host name lookup error: ureq passes it on as a
/// plain I/O error, and its kind is not public, only its text.
fn is_lookup_error(err: &io::Error) -> bool {
    err.to_string().starts_with(LOOKUP_FAILED)
}

/// How std's `getaddrinfo` errors begin.
const LOOKUP_FAILED: &str = "failed to lookup address information";

/// A transport error in words (ureq's texts never include the request headers).
fn describe(err: &UreqError, timeout: Duration) -> String {
    match err {
        UreqError::Timeout(Timeout::Connect) => "connection timed out (--connect-timeout)".into(),
        UreqError::Timeout(Timeout::Resolve) => "host name lookup timed out".into(),
        UreqError::Timeout(_) => {
            format!("no complete answer within {} (--timeout)", seconds(timeout))
        }
        UreqError::HostNotFound => "host not found".into(),
        UreqError::Rustls(tls) => describe_tls(tls),
        UreqError::Io(io) => {
            let text = io.to_string();
            if let Some(reason) = text.strip_prefix(LOOKUP_FAILED) {
                let reason = reason.trim_start_matches(':').trim();
                format!("host name lookup failed: {reason}")
            } else if let Some(tls) = rustls_error(io) {
                describe_tls(tls)
            } else {
                format!("connection error: {io}")
            }
        }
        other => other.to_string(),
    }
}

fn describe_tls(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
            format!("TLS certificate not accepted: {err}")
        }
        _ => format!("TLS error: {err}"),
    }
}

/// `2s`, `2.5s`.
pub(crate) fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0}s")
    } else {
        format!("{secs:.1}s")
    }
}

#[cfg(test)]
mod tests {
    use std::net::ToSocketAddrs;

    use super::*;

    fn fail(err: &UreqError) -> Failure {
        failure(err, Duration::from_secs(2))
    }

    fn tls(err: rustls::Error) -> UreqError {
        UreqError::Io(io::Error::new(io::ErrorKind::InvalidData, err))
    }

    /// A failed host name lookup never sent anything and says so.
    #[test]
    fn lookup_failures_are_not_sent() {
        // `.invalid` never resolves (RFC 6761); offline the lookup fails too.
        let err = match "nonexistent.invalid:443".to_socket_addrs() {
            Err(err) => err,
            Ok(addrs) => panic!(
                "nonexistent.invalid resolved: {:?}",
                addrs.collect::<Vec<_>>()
            ),
        };
        let failure = fail(&UreqError::Io(err));
        assert_eq!(failure.fault, Fault::NotSent);
        let message = failure.error.to_string();
        assert!(message.contains("host name lookup failed: "), "{message}");
        assert!(!message.contains("failed to lookup"), "{message}");
    }

    /// A certificate the client does not trust is final: asking again gets the same certificate.
    #[test]
    fn certificate_errors_are_final() {
        let bad = tls(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        let failure = fail(&bad);
        assert_eq!(failure.fault, Fault::Final);
        assert!(
            failure
                .error
                .to_string()
                .contains("TLS certificate not accepted"),
            "{}",
            failure.error
        );
        assert_eq!(
            fail(&UreqError::Rustls(rustls::Error::NoCertificatesPresented)).fault,
            Fault::Final
        );
    }

    /// Handshake failures never sent the request; record errors may come after it.
    #[test]
    fn tls_handshake_and_record_errors() {
        assert_eq!(
            fail(&tls(rustls::Error::AlertReceived(
                rustls::AlertDescription::HandshakeFailure
            )))
            .fault,
            Fault::NotSent
        );
        assert_eq!(
            fail(&tls(rustls::Error::HandshakeNotComplete)).fault,
            Fault::NotSent
        );
        assert_eq!(
            fail(&tls(rustls::Error::DecryptError)).fault,
            Fault::Unknown
        );
        assert_eq!(
            fail(&tls(rustls::Error::AlertReceived(
                rustls::AlertDescription::InternalError
            )))
            .fault,
            Fault::Unknown
        );
    }

    /// Settings errors are not repeated.
    #[test]
    fn settings_errors_are_final() {
        assert_eq!(fail(&UreqError::InvalidProxyUrl).fault, Fault::Final);
        assert_eq!(fail(&UreqError::TlsRequired).fault, Fault::Final);
    }

    /// A timeout names the timeout it ran into.
    #[test]
    fn timeout_message_names_the_value() {
        let failure = failure(
            &UreqError::Timeout(Timeout::Global),
            Duration::from_millis(2500),
        );
        assert_eq!(
            failure.error.to_string(),
            "could not reach the API: no complete answer within 2.5s (--timeout)"
        );
        assert_eq!(seconds(Duration::from_secs(2)), "2s");
    }

    /// Connection-level failures are known not to have reached the server.
    #[test]
    fn connect_failures_are_not_sent() {
        let refused = fail(&UreqError::Io(io::Error::from(
            io::ErrorKind::ConnectionRefused,
        )));
        assert_eq!(refused.fault, Fault::NotSent);
        assert_eq!(
            fail(&UreqError::Timeout(Timeout::Connect)).fault,
            Fault::NotSent
        );
        assert_eq!(fail(&UreqError::HostNotFound).fault, Fault::NotSent);
    }

    /// Failures after sending leave the outcome unknown.
    #[test]
    fn late_failures_are_unknown() {
        assert_eq!(
            fail(&UreqError::Timeout(Timeout::RecvResponse)).fault,
            Fault::Unknown
        );
        assert_eq!(
            fail(&UreqError::Timeout(Timeout::PerCall)).fault,
            Fault::Unknown
        );
        let reset = fail(&UreqError::Io(io::Error::from(
            io::ErrorKind::ConnectionReset,
        )));
        assert_eq!(reset.fault, Fault::Unknown);
        let eof = fail(&UreqError::Io(io::Error::from(
            io::ErrorKind::UnexpectedEof,
        )));
        assert_eq!(eof.fault, Fault::Unknown);
    }

    /// The User-Agent names slretire and its version.
    #[test]
    fn user_agent() {
        assert_eq!(
            USER_AGENT,
            format!("slretire/{}", env!("CARGO_PKG_VERSION"))
        );
    }

    /// A redirect is final, names the status and shows the Location redacted.
    #[test]
    fn redirects_are_final_and_redacted() {
        let failure = redirect(301, Some("https://u:s3cret@other.example/rest?k=s3cret#f"));
        assert_eq!(failure.fault, Fault::Final);
        let message = failure.error.to_string();
        assert!(
            message.starts_with(
                "unexpected answer from the API (HTTP 301): a redirect to https://***@other.example/rest?***#***,"
            ),
            "{message}"
        );
        assert!(!message.contains("s3cret"), "{message}");
        let message = redirect(302, None).error.to_string();
        assert!(
            message.contains("(HTTP 302): a redirect without a Location"),
            "{message}"
        );
    }
}
