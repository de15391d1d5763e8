//! The HTTP exchange itself: ureq 3 over rustls, one agent (one connection
//! pool) per client, the `Authorization` header built once.

use std::fmt;
use std::io;
use std::time::{Duration, SystemTime};

use ureq::Error as UreqError;
use ureq::Timeout;

use crate::softlayer::error::{ApiError, Failure, Fault};
use crate::softlayer::request::{HttpRequest, Verb};
use crate::softlayer::retry::parse_retry_after;
use crate::softlayer::settings::Settings;

/// The User-Agent of every request.
pub(crate) const USER_AGENT: &str = concat!("slretire/", env!("CARGO_PKG_VERSION"));
/// Largest response body read (a page of 500 fully masked objects is ~1 MB).
const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// What the server answered, whatever the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: String,
    /// `SoftLayer-Total-Items`, when present and a number.
    pub(crate) total_items: Option<u64>,
    pub(crate) retry_after: Option<Duration>,
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
        let mut response = result.map_err(|err| failure(&err))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let total_items =
            header("softlayer-total-items").and_then(|v| v.trim().parse::<u64>().ok());
        let retry_after =
            header("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()));
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_string()
            .map_err(|err| failure(&err))?;
        Ok(Reply {
            status,
            body,
            total_items,
            retry_after,
        })
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

/// Judges a transport error: did the request certainly not reach the server?
fn failure(err: &UreqError) -> Failure {
    let fault = match err {
        UreqError::HostNotFound
        | UreqError::ConnectionFailed
        | UreqError::BadUri(_)
        | UreqError::RequireHttpsOnly(_)
        | UreqError::InvalidProxyUrl
        | UreqError::ConnectProxyFailed(_)
        | UreqError::Tls(_)
        | UreqError::Rustls(_)
        | UreqError::Pem(_)
        | UreqError::TlsRequired
        | UreqError::Timeout(Timeout::Resolve | Timeout::Connect) => Fault::NotSent,
        UreqError::Io(io) if is_connect_error(io) => Fault::NotSent,
        _ => Fault::Unknown,
    };
    Failure {
        error: ApiError::Transport {
            message: describe(err),
        },
        fault,
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

/// A transport error in words (ureq's texts never include the request headers).
fn describe(err: &UreqError) -> String {
    match err {
        UreqError::Timeout(Timeout::Connect) => "connection timed out (--connect-timeout)".into(),
        UreqError::Timeout(Timeout::Resolve) => "host name lookup timed out".into(),
        UreqError::Timeout(_) => "no complete answer within the timeout (--timeout)".into(),
        UreqError::HostNotFound => "host not found".into(),
        UreqError::Io(io) => format!("connection error: {io}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Connection-level failures are known not to have reached the server.
    #[test]
    fn connect_failures_are_not_sent() {
        let refused = failure(&UreqError::Io(io::Error::from(
            io::ErrorKind::ConnectionRefused,
        )));
        assert_eq!(refused.fault, Fault::NotSent);
        assert_eq!(
            failure(&UreqError::Timeout(Timeout::Connect)).fault,
            Fault::NotSent
        );
        assert_eq!(failure(&UreqError::HostNotFound).fault, Fault::NotSent);
    }

    /// Failures after sending leave the outcome unknown.
    #[test]
    fn late_failures_are_unknown() {
        assert_eq!(
            failure(&UreqError::Timeout(Timeout::RecvResponse)).fault,
            Fault::Unknown
        );
        assert_eq!(
            failure(&UreqError::Timeout(Timeout::PerCall)).fault,
            Fault::Unknown
        );
        let reset = failure(&UreqError::Io(io::Error::from(
            io::ErrorKind::ConnectionReset,
        )));
        assert_eq!(reset.fault, Fault::Unknown);
        let eof = failure(&UreqError::Io(io::Error::from(
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
}
