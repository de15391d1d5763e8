//! What can go wrong with an API call, and how one HTTP exchange is judged:
//! a final answer, a fault worth repeating, or an unknown outcome.
//!
//! No variant ever holds a credential or a text of unbounded length: what
//! comes from the answer is shown as [`Secrets::show`] shows it (the key
//! scrubbed, a few KB at most), and the client passes every error it
//! returns through the same scrubbing.

use std::fmt;
use std::time::Duration;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::softlayer::memory_budget::{Meter, mib};
use crate::softlayer::metered_json;
use crate::softlayer::scrub::{MAX_SHOWN_BYTES, Secrets};
use crate::softlayer::transport::Reply;

/// A failed API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The object (or service/method) does not exist: HTTP 404 `SoftLayer_Exception_ObjectNotFound`.
    NotFound {
        status: u16,
        code: String,
        message: String,
    },
    /// The credentials were rejected (HTTP 401, or an invalid-token code).
    Authentication {
        status: u16,
        code: String,
        message: String,
    },
    /// SoftLayer's rate limit was still exceeded after waiting and retrying.
    /// The call was rejected before it was processed.
    RateLimited {
        status: u16,
        code: String,
        message: String,
    },
    /// The API answered with a definite error: a business rule refused the
    /// call, or a read kept failing on the server side.
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// The API could not be reached (nothing was processed), or a read kept
    /// failing in transit.
    Transport { message: String },
    /// A mutating call whose outcome is unknown (timeout or connection loss
    /// after sending, a server fault that is not a clean refusal): read the
    /// object back before deciding anything.
    Ambiguous {
        status: Option<u16>,
        message: String,
    },
    /// The API answered something that is not the JSON it should be.
    InvalidResponse { status: u16, message: String },
}

impl ApiError {
    /// The object does not exist (or is already gone).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::NotFound { .. })
    }

    /// The credentials were rejected.
    pub fn is_authentication(&self) -> bool {
        matches!(self, ApiError::Authentication { .. })
    }

    /// A mutating call may or may not have taken effect.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, ApiError::Ambiguous { .. })
    }

    /// The API's definite refusal, with its message.
    pub fn is_refused(&self) -> bool {
        matches!(self, ApiError::Refused { .. })
    }

    /// The API does not have the service or method called (404
    /// `SoftLayer_Exception_Public`, "Service does not exist" or
    /// "Function (...) is not a valid method for this service."): it was
    /// removed, as `SoftLayer_Account::getCdnAccounts` was in 2019.
    pub fn is_unknown_method(&self) -> bool {
        match self {
            ApiError::Refused {
                status: 404,
                code,
                message,
            }
            | ApiError::NotFound {
                status: 404,
                code,
                message,
            } => {
                code == "SoftLayer_Exception_Public"
                    && (message == "Service does not exist"
                        || message.ends_with("is not a valid method for this service."))
            }
            _ => false,
        }
    }

    /// The HTTP status, when an answer was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::NotFound { status, .. }
            | ApiError::Authentication { status, .. }
            | ApiError::RateLimited { status, .. }
            | ApiError::Refused { status, .. }
            | ApiError::InvalidResponse { status, .. } => Some(*status),
            ApiError::Ambiguous { status, .. } => *status,
            ApiError::Transport { .. } => None,
        }
    }

    /// The SoftLayer exception code (`SoftLayer_Exception_...`), when the API sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::NotFound { code, .. }
            | ApiError::Authentication { code, .. }
            | ApiError::RateLimited { code, .. }
            | ApiError::Refused { code, .. } => Some(code.as_str()).filter(|c| !c.is_empty()),
            _ => None,
        }
    }

    /// The message alone: the API's `error` text, or the transport's.
    pub fn message(&self) -> &str {
        match self {
            ApiError::NotFound { message, .. }
            | ApiError::Authentication { message, .. }
            | ApiError::RateLimited { message, .. }
            | ApiError::Refused { message, .. }
            | ApiError::Transport { message }
            | ApiError::Ambiguous { message, .. }
            | ApiError::InvalidResponse { message, .. } => message,
        }
    }
}

/// `(HTTP 500, SoftLayer_Exception_Public)` or `(HTTP 500)`.
fn origin(status: u16, code: &str) -> String {
    if code.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}, {code}")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::NotFound {
                status,
                code,
                message,
            } => {
                write!(f, "not found ({}): {message}", origin(*status, code))
            }
            ApiError::Authentication {
                status,
                code,
                message,
            } => write!(
                f,
                "authentication failed ({}): {message} Check the username and API key.",
                origin(*status, code)
            ),
            ApiError::RateLimited {
                status,
                code,
                message,
            } => write!(
                f,
                "rate limited by the API ({}): {message} Still refused after slowing down and \
                 waiting: other clients may be using this API user's limit; try again later, \
                 or cap the rate with --rate-limit.",
                origin(*status, code)
            ),
            ApiError::Refused {
                status,
                code,
                message,
            } => {
                write!(
                    f,
                    "the API refused the call ({}): {message}",
                    origin(*status, code)
                )
            }
            ApiError::Transport { message } => write!(f, "could not reach the API: {message}"),
            ApiError::Ambiguous { status, message } => {
                let status = status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
                write!(
                    f,
                    "outcome unknown{status}: {message}; the call may or may not have taken effect"
                )
            }
            ApiError::InvalidResponse { status, message } => {
                write!(
                    f,
                    "unexpected answer from the API (HTTP {status}): {message}"
                )
            }
        }
    }
}

impl std::error::Error for ApiError {}

/// How much one failed attempt tells about repeating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The request never left (connection refused, DNS, TLS handshake):
    /// repeating it is safe even for a mutating call.
    NotSent,
    /// SoftLayer's rate limit: rejected before processing, safe to repeat
    /// after the wait (the server's `Retry-After` when it sent one).
    RateLimited(Option<Duration>),
    /// The server may have processed it (timeout or reset after sending, a
    /// 5xx that is not a clean refusal, a garbled 2xx): reads repeat it,
    /// mutating calls report [`ApiError::Ambiguous`].
    Unknown,
    /// A definite answer; repeating it would get the same.
    Final,
}

/// One failed attempt: the error to report and what it says about retrying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) error: ApiError,
    pub(crate) fault: Fault,
}

impl Failure {
    /// The error a caller sees once no more attempts are made.
    pub(crate) fn settle(self, mutating: bool) -> ApiError {
        if mutating && self.fault == Fault::Unknown {
            // The inner error's own words, not its display: "the API
            // refused the call" would contradict "may have taken effect".
            let message = match &self.error {
                ApiError::Transport { message } => message.clone(),
                ApiError::Refused { code, message, .. } if code.is_empty() => {
                    format!("server fault: {message}")
                }
                ApiError::Refused { code, message, .. } => {
                    format!("server fault ({code}): {message}")
                }
                ApiError::InvalidResponse { message, .. } => {
                    format!("unexpected answer: {message}")
                }
                other => other.to_string(),
            };
            return ApiError::Ambiguous {
                status: self.error.status(),
                message,
            };
        }
        self.error
    }
}

const RATE_LIMIT_CODE: &str = "SoftLayer_Exception_WebService_RateLimitExceeded";
const NOT_FOUND_CODE: &str = "SoftLayer_Exception_ObjectNotFound";
const TOKEN_CODES: [&str; 2] = [
    "SoftLayer_Exception_InvalidLegacyToken",
    "SoftLayer_Exception_Account_Authentication_AccessTokenValidation",
];

/// Judges one HTTP answer: the parsed JSON on success, otherwise a failure.
/// Every text taken from the answer is shown as `secrets` shows it
/// (credentials scrubbed, at most a few KB); the JSON tree is built under
/// the answer's meter.
pub(crate) fn classify(reply: &Reply, secrets: &Secrets) -> Result<Value, Failure> {
    let (status, body) = (reply.status, reply.body.as_str());
    if (200..300).contains(&status) {
        return classify_success(status, body, &reply.meter, secrets);
    }
    let (code, message) = error_document(body, secrets);
    let final_error = |error: ApiError| {
        Err(Failure {
            error,
            fault: Fault::Final,
        })
    };
    if status == 429 || code == RATE_LIMIT_CODE {
        let message = message.unwrap_or_else(|| "too many requests".into());
        return Err(Failure {
            error: ApiError::RateLimited {
                status,
                code,
                message,
            },
            fault: Fault::RateLimited(reply.retry_after),
        });
    }
    if status == 401 || TOKEN_CODES.contains(&code.as_str()) {
        let message = message.unwrap_or_else(|| "the credentials were rejected.".into());
        return final_error(ApiError::Authentication {
            status,
            code,
            message,
        });
    }
    // Services name their own flavour (`SoftLayer_Exception_Network_LBaaS_ObjectNotFound`).
    if status == 404
        && (code == NOT_FOUND_CODE || code.ends_with("_ObjectNotFound") || code.is_empty())
    {
        let message = message.unwrap_or_else(|| "no such object.".into());
        return final_error(ApiError::NotFound {
            status,
            code,
            message,
        });
    }
    match message {
        // A business-rule refusal: SoftLayer names the exception and says why.
        // "Internal Error" is SoftLayer's word for a fault, not a refusal.
        Some(message) if is_clean_refusal(status, &code, &message) => {
            final_error(ApiError::Refused {
                status,
                code,
                message,
            })
        }
        Some(message) if status >= 500 => Err(Failure {
            error: ApiError::Refused {
                status,
                code,
                message,
            },
            fault: Fault::Unknown,
        }),
        Some(message) => final_error(ApiError::Refused {
            status,
            code,
            message,
        }),
        None => Err(Failure {
            error: ApiError::InvalidResponse {
                status,
                message: secrets.excerpt(body),
            },
            fault: if status >= 500 {
                Fault::Unknown
            } else {
                Fault::Final
            },
        }),
    }
}

/// 4xx answers with a message are always definite; among 5xx only a 500
/// carrying a SoftLayer exception code and a real message is.
fn is_clean_refusal(status: u16, code: &str, message: &str) -> bool {
    if status < 500 {
        return true;
    }
    status == 500 && code.starts_with("SoftLayer_Exception") && message.trim() != "Internal Error"
}

/// A 2xx body must be JSON; an error document under 2xx is what the API
/// sends for some invalid ids (softlayer-go treats it as an error too).
fn classify_success(
    status: u16,
    body: &str,
    meter: &Meter,
    secrets: &Secrets,
) -> Result<Value, Failure> {
    if body.trim().is_empty() {
        return Err(Failure {
            error: ApiError::InvalidResponse {
                status,
                message: "empty response".into(),
            },
            fault: Fault::Unknown,
        });
    }
    let value = metered_json::from_str(body, meter)
        .map_err(|err| unreadable(status, body, &err, meter, secrets))?;
    if let Some(object) = value.as_object()
        && object.len() == 2
        && let (Some(Value::String(message)), Some(Value::String(code))) =
            (object.get("error"), object.get("code"))
        && code.starts_with("SoftLayer_Exception")
    {
        let (code, message) = (
            secrets.show(code, MAX_SHOWN_BYTES),
            secrets.show(message, MAX_SHOWN_BYTES),
        );
        let error = if code == NOT_FOUND_CODE {
            ApiError::NotFound {
                status,
                code,
                message,
            }
        } else {
            ApiError::Refused {
                status,
                code,
                message,
            }
        };
        return Err(Failure {
            error,
            fault: Fault::Final,
        });
    }
    Ok(value)
}

/// A 2xx body that could not be read: too large to hold (final: asking
/// again gets the same), or not JSON (garbled: the outcome is unknown).
pub(crate) fn unreadable(
    status: u16,
    body: &str,
    err: &serde_json::Error,
    meter: &Meter,
    secrets: &Secrets,
) -> Failure {
    if meter.exceeded() {
        return too_large(status, meter.cap());
    }
    Failure {
        error: ApiError::InvalidResponse {
            status,
            message: format!("not JSON ({err}): {}", secrets.excerpt(body)),
        },
        fault: Fault::Unknown,
    }
}

/// An answer larger than slretire reads for one call. Final: the same call
/// gets the same answer, and a write answered this way was answered (the
/// caller reads the object back, as for any unexpected answer).
pub(crate) fn too_large(status: u16, cap: u64) -> Failure {
    Failure {
        error: ApiError::InvalidResponse {
            status,
            message: format!(
                "the answer takes more than {} to read and hold, the most slretire allows one call",
                mib(cap)
            ),
        },
        fault: Fault::Final,
    }
}

/// `(code, message)` from `{"error": ..., "code": ...}`, each shown as
/// `secrets` shows text; the code is empty when absent, the message `None`
/// when the body is no such document. Read without building a JSON tree:
/// other fields are skipped, whatever their size.
fn error_document(body: &str, secrets: &Secrets) -> (String, Option<String>) {
    if !body.trim_start().starts_with('{') {
        return (String::new(), None);
    }
    let mut parser = serde_json::Deserializer::from_str(body);
    match serde::Deserializer::deserialize_map(&mut parser, ErrorDocument(secrets)) {
        Ok((code, message)) if parser.end().is_ok() => (code.unwrap_or_default(), message),
        _ => (String::new(), None),
    }
}

/// Reads `error` and `code` (when strings) from an error document.
struct ErrorDocument<'s>(&'s Secrets);

impl<'de> Visitor<'de> for ErrorDocument<'_> {
    type Value = (Option<String>, Option<String>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an error document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut code, mut message) = (None, None);
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Code => code = map.next_value_seed(ShownText(self.0))?,
                Field::Error => message = map.next_value_seed(ShownText(self.0))?,
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((code, message))
    }
}

/// A key of an error document, recognised without copying it.
enum Field {
    Code,
    Error,
    Other,
}

impl<'de> serde::Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Field, D::Error> {
        struct Key;
        impl Visitor<'_> for Key {
            type Value = Field;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(match v {
                    "code" => Field::Code,
                    "error" => Field::Error,
                    _ => Field::Other,
                })
            }
        }
        deserializer.deserialize_str(Key)
    }
}

/// A string field, shown as the secrets show text; any other value is
/// skipped and reads as absent.
struct ShownText<'s>(&'s Secrets);

impl<'de> DeserializeSeed<'de> for ShownText<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ShownText<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a text")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(self.0.show(v, MAX_SHOWN_BYTES)))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_map(map).map(|_| None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `classify` of an answer with `status`, `body` and `retry_after`, nothing to scrub.
    fn judge(status: u16, body: &str, retry_after: Option<Duration>) -> Result<Value, Failure> {
        let mut reply = Reply::new(status, body);
        reply.retry_after = retry_after;
        classify(&reply, &Secrets::none())
    }

    fn fault(status: u16, body: &str) -> (ApiError, Fault) {
        let failure = judge(status, body, None).unwrap_err();
        (failure.error, failure.fault)
    }

    /// A 2xx JSON body is the result, whatever its JSON type.
    #[test]
    fn success_bodies_parse() {
        assert_eq!(judge(200, "true", None).unwrap(), Value::Bool(true));
        assert_eq!(judge(200, "null", None).unwrap(), Value::Null);
        assert_eq!(
            judge(200, r#"[{"id": 1}]"#, None).unwrap(),
            serde_json::json!([{"id": 1}])
        );
        assert_eq!(
            judge(200, r#"{"error": "x"}"#, None).unwrap(),
            serde_json::json!({"error": "x"})
        );
    }

    /// The API's 404 answers for a service or method it does not have are
    /// recognised; an object that is not found, or another 404, is not one.
    #[test]
    fn unknown_methods_are_recognised() {
        for body in [
            r#"{"error": "Service does not exist", "code": "SoftLayer_Exception_Public"}"#,
            r#"{"error": "Function (\"getCdnAccounts\") is not a valid method for this service.", "code": "SoftLayer_Exception_Public"}"#,
        ] {
            let (error, _) = fault(404, body);
            assert!(error.is_unknown_method(), "{error:?}");
        }
        for (status, body) in [
            (
                404,
                r#"{"error": "Unable to find object with id of '1'.", "code": "SoftLayer_Exception_ObjectNotFound"}"#,
            ),
            (
                500,
                r#"{"error": "Service does not exist", "code": "SoftLayer_Exception_Public"}"#,
            ),
        ] {
            let (error, _) = fault(status, body);
            assert!(!error.is_unknown_method(), "{error:?}");
        }
    }

    /// Empty or non-JSON 2xx bodies are invalid answers with an unknown outcome.
    #[test]
    fn garbled_success_is_invalid() {
        let (error, kind) = fault(200, "");
        assert!(matches!(
            error,
            ApiError::InvalidResponse { status: 200, .. }
        ));
        assert_eq!(kind, Fault::Unknown);
        let (error, _) = fault(200, "not json");
        assert!(error.to_string().contains("not json"), "{error}");
    }

    /// The 2xx error document some invalid ids produce is an error.
    #[test]
    fn error_document_under_200_is_an_error() {
        let (error, kind) = fault(
            200,
            r#"{"error":"Internal Error","code":"SoftLayer_Exception_Public"}"#,
        );
        assert!(error.is_refused());
        assert_eq!(kind, Fault::Final);
    }

    /// 404 ObjectNotFound keeps status, code and message.
    #[test]
    fn not_found() {
        let (error, kind) = fault(
            404,
            r#"{"error": "Unable to find object with id of '404404'.", "code": "SoftLayer_Exception_ObjectNotFound"}"#,
        );
        assert_eq!(
            error,
            ApiError::NotFound {
                status: 404,
                code: "SoftLayer_Exception_ObjectNotFound".into(),
                message: "Unable to find object with id of '404404'.".into()
            }
        );
        assert_eq!(kind, Fault::Final);
        assert!(error.is_not_found());
    }

    /// An unknown method (404 with SoftLayer_Exception_Public) is a refusal, not "already gone".
    #[test]
    fn unknown_method_is_not_not_found() {
        let (error, _) = fault(
            404,
            r#"{"error":"Function (\"deleteObject\") is not a valid method for this service.","code":"SoftLayer_Exception_Public"}"#,
        );
        assert!(error.is_refused(), "{error:?}");
    }

    /// 401 and invalid-token codes are authentication failures.
    #[test]
    fn authentication() {
        let (error, kind) = fault(
            401,
            r#"{"error": "Invalid API token.", "code": "SoftLayer_Exception_InvalidLegacyToken"}"#,
        );
        assert!(error.is_authentication());
        assert_eq!(kind, Fault::Final);
        assert!(error.to_string().contains("Invalid API token."));
        let (error, _) = fault(
            500,
            r#"{"error": "x", "code": "SoftLayer_Exception_Account_Authentication_AccessTokenValidation"}"#,
        );
        assert!(error.is_authentication());
    }

    /// The rate-limit exception (HTTP 500) and HTTP 429 are both rate limits, with Retry-After kept.
    #[test]
    fn rate_limits() {
        let body = r#"{"error":"Rate limit of 50 requests for every 1 second(s) exceeded.","code":"SoftLayer_Exception_WebService_RateLimitExceeded"}"#;
        let (error, kind) = fault(500, body);
        assert!(matches!(error, ApiError::RateLimited { status: 500, .. }));
        assert_eq!(kind, Fault::RateLimited(None));
        let failure = judge(429, "", Some(Duration::from_secs(3))).unwrap_err();
        assert_eq!(
            failure.fault,
            Fault::RateLimited(Some(Duration::from_secs(3)))
        );
    }

    /// A 500 SoftLayer_Exception_Public with a message is a clean, final refusal.
    #[test]
    fn clean_refusal() {
        let (error, kind) = fault(
            500,
            r#"{"error": "Unable to cancel: billing item is already cancelled.", "code": "SoftLayer_Exception_Public"}"#,
        );
        assert_eq!(
            error,
            ApiError::Refused {
                status: 500,
                code: "SoftLayer_Exception_Public".into(),
                message: "Unable to cancel: billing item is already cancelled.".into()
            }
        );
        assert_eq!(kind, Fault::Final);
        assert_eq!(
            error.to_string(),
            "the API refused the call (HTTP 500, SoftLayer_Exception_Public): Unable to cancel: billing item is already cancelled."
        );
    }

    /// Internal errors, gateway errors and HTML pages leave the outcome unknown.
    #[test]
    fn server_faults_are_unknown() {
        for (status, body) in [
            (
                500,
                r#"{"error": "Internal Error", "code": "SoftLayer_Exception_Public"}"#,
            ),
            (500, "<html>oops</html>"),
            (
                503,
                r#"{"error": "Service Unavailable", "code": "SoftLayer_Exception_Public"}"#,
            ),
            (502, ""),
            (500, r#"{"code": "SoftLayer_Exception_Public"}"#),
        ] {
            assert_eq!(fault(status, body).1, Fault::Unknown, "{status} {body}");
        }
    }

    /// A fault answered to a write reads as a fault whose outcome is unknown, never as a refusal.
    #[test]
    fn settled_server_faults_do_not_claim_a_refusal() {
        let (status, body) = (
            500,
            r#"{"error": "Internal Error", "code": "SoftLayer_Exception_Public"}"#,
        );
        let failure = judge(status, body, None).unwrap_err();
        assert_eq!(
            failure.settle(true).to_string(),
            "outcome unknown (HTTP 500): server fault (SoftLayer_Exception_Public): Internal Error; \
             the call may or may not have taken effect"
        );
        let failure = judge(502, "<html>bad gateway</html>", None).unwrap_err();
        let text = failure.settle(true).to_string();
        assert!(
            text.starts_with("outcome unknown (HTTP 502): unexpected answer: ")
                && !text.contains("refused"),
            "{text}"
        );
    }

    /// A mutating call turns an unknown outcome into Ambiguous; a read keeps the error.
    #[test]
    fn settle_for_writes() {
        let failure = Failure {
            error: ApiError::Transport {
                message: "timed out".into(),
            },
            fault: Fault::Unknown,
        };
        assert_eq!(
            failure.clone().settle(true),
            ApiError::Ambiguous {
                status: None,
                message: "timed out".into()
            }
        );
        assert_eq!(
            failure.settle(false),
            ApiError::Transport {
                message: "timed out".into()
            }
        );
        let failure = Failure {
            error: ApiError::Transport {
                message: "refused".into(),
            },
            fault: Fault::NotSent,
        };
        assert!(matches!(failure.settle(true), ApiError::Transport { .. }));
    }

    /// Long non-JSON bodies are cut in error messages.
    #[test]
    fn long_bodies_are_cut() {
        let body = "x".repeat(1000);
        let (error, _) = fault(502, &body);
        assert!(error.to_string().len() < 300);
    }

    /// Control characters in the API's text are escaped before they reach an error message.
    #[test]
    fn api_text_is_terminal_safe() {
        let (error, _) = fault(
            500,
            r#"{"error": "bad\u001b[2J\rthing", "code": "SoftLayer_Exception_\u001b[31m"}"#,
        );
        let shown = error.to_string();
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\r'),
            "{shown:?}"
        );
        assert!(shown.contains("bad\\u{1b}[2J\\rthing"), "{shown}");
        let (error, _) = fault(502, "<html>\u{1b}]0;title\u{7}</html>");
        assert!(!error.to_string().contains('\u{1b}'), "{error}");
        let error = judge(
            200,
            r#"{"error": "x\u0007", "code": "SoftLayer_Exception_Public"}"#,
            None,
        )
        .unwrap_err()
        .error;
        assert_eq!(error.message(), "x\\u{7}");
    }
}
