//! The request log served at `/__emulator/requests`.

use serde::Serialize;
use serde_json::Value;

/// One API request as the emulator saw and answered it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedRequest {
    /// HTTP verb.
    pub method: String,
    /// Decoded path, without the query.
    pub path: String,
    /// Decoded query parameters, in order.
    #[serde(serialize_with = "query_map")]
    pub query: Vec<(String, String)>,
    /// HTTP status answered; 0 when the response was deliberately lost.
    pub status: u16,
    /// `SoftLayer_...` service, when the path named one.
    pub service: Option<String>,
    /// API method (explicit or implied by the verb).
    pub method_name: Option<String>,
    /// Init id from the path.
    pub id: Option<String>,
    /// Positional parameters from the body, when there were any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Vec<Value>>,
    /// The emulator's own time on the request, in microseconds: from when a
    /// worker took it until its answer was ready to write, the configured
    /// latency left out.
    pub service_us: u64,
    /// The part of `service_us` spent waiting for other requests to let go
    /// of the state (a write waits for every read, a read for a write).
    pub lock_wait_us: u64,
}

/// Serializes query pairs as a JSON object (a repeated key keeps its last
/// value), which is what tests want to index into.
fn query_map<S: serde::Serializer>(
    pairs: &[(String, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let map: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    map.serialize(serializer)
}
