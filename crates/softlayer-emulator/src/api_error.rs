//! An error the API answers with: HTTP status plus the `{"error", "code"}`
//! body SoftLayer sends.

use serde_json::{Value, json};

/// An API error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 404 `SoftLayer_Exception_ObjectNotFound` for an id not on the account.
    pub(crate) fn not_found(id: &str) -> ApiError {
        ApiError::new(
            404,
            "SoftLayer_Exception_ObjectNotFound",
            format!("Unable to find object with id of '{id}'."),
        )
    }

    /// 500 `SoftLayer_Exception_Public`: business rules.
    pub(crate) fn public(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "SoftLayer_Exception_Public", message)
    }

    /// 500 `SoftLayer_Exception`: parameter checks of the ticket methods.
    pub(crate) fn plain(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "SoftLayer_Exception", message)
    }

    /// 500 `SoftLayer_Exception_WebService_ObjectMask`.
    pub(crate) fn object_mask(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "SoftLayer_Exception_WebService_ObjectMask", message)
    }

    /// 500 `SoftLayer_Exception_Common_Parser`.
    pub(crate) fn parser(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "SoftLayer_Exception_Common_Parser", message)
    }

    /// 401 for missing or wrong credentials.
    pub(crate) fn unauthorized() -> ApiError {
        ApiError::new(
            401,
            "SoftLayer_Exception_InvalidLegacyToken",
            "Invalid API token.",
        )
    }

    /// 404 for a service the emulator does not know.
    pub(crate) fn no_service() -> ApiError {
        ApiError::new(404, "SoftLayer_Exception_Public", "Service does not exist")
    }

    /// 404 for a method the service does not have.
    pub(crate) fn no_method(method: &str) -> ApiError {
        ApiError::new(
            404,
            "SoftLayer_Exception_Public",
            format!("Function (\"{method}\") is not a valid method for this service."),
        )
    }

    /// 501 for a method the API has and the emulator does not implement
    /// (synthetic: the real API would answer it).
    pub(crate) fn not_emulated(service: &str, method: &str) -> ApiError {
        ApiError::new(
            501,
            "Emulator_NotImplemented",
            format!("{service}::{method} exists in the API but is not emulated."),
        )
    }

    /// 400 for a request beyond one of the emulator's parsing limits
    /// (synthetic: the real API's limits are not documented).
    pub(crate) fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "SoftLayer_Exception_WebService_BadRequest", message)
    }

    /// An answer of the HTTP layer to a request it cannot read (too large,
    /// malformed): synthetic, as the real front end's texts are unknown.
    pub(crate) fn http(status: u16, message: impl Into<String>) -> ApiError {
        ApiError::new(status, "SoftLayer_Exception_WebService_BadRequest", message)
    }

    /// 400 for a body that is not JSON.
    pub(crate) fn bad_request() -> ApiError {
        ApiError::new(
            400,
            "SoftLayer_Exception_WebService_BadRequest",
            "Bad request",
        )
    }

    /// 405 for an HTTP verb the REST API does not answer (synthetic: the
    /// reference documents GET, POST, PUT and DELETE only).
    pub(crate) fn method_not_allowed(verb: &str) -> ApiError {
        ApiError::new(
            405,
            "SoftLayer_Exception_WebService_BadRequest",
            format!("HTTP method {verb} is not allowed; use GET, POST, PUT or DELETE."),
        )
    }

    /// 500 the fault injector answers with.
    pub(crate) fn internal() -> ApiError {
        ApiError::public("Internal Error")
    }

    /// Rate limit exceeded, as SoftLayer words it; `status` 500 (as seen)
    /// or 429.
    pub(crate) fn rate_limited(limit: u32, status: u16) -> ApiError {
        ApiError::new(
            status,
            "SoftLayer_Exception_WebService_RateLimitExceeded",
            format!("Rate limit of {limit} requests for every 1 second(s) exceeded."),
        )
    }

    /// 404 for an IBM Cloud load balancer that does not exist (any more).
    pub(crate) fn lbaas_not_found(what: &str) -> ApiError {
        ApiError::new(
            404,
            "SoftLayer_Exception_Network_LBaaS_ObjectNotFound",
            format!("Unable to find object with {what}."),
        )
    }

    /// 404 for a CDN domain mapping `uniqueId` the account does not have
    /// (synthetic text: the real one is undocumented).
    pub(crate) fn cdn_not_found(unique_id: &str) -> ApiError {
        ApiError::new(
            404,
            "SoftLayer_Exception_ObjectNotFound",
            format!("Unable to find object with unique identifier of '{unique_id}'."),
        )
    }

    /// The response body.
    pub(crate) fn body(&self) -> Value {
        json!({"error": self.message, "code": self.code})
    }
}
