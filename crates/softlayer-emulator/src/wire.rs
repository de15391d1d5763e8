//! The HTTP surface: URL routes, query strings, credentials and bodies, as
//! softlayer-python and the other clients send them.

use base64::Engine;
use serde_json::Value;

use crate::api_error::ApiError;

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/rest/v3.1/{Service}[/{id}]/{method}[.json]` and the verb-implied
    /// forms; extra segments after the method are positional parameters.
    Rest {
        service: String,
        id: Option<String>,
        method: String,
        path_params: Vec<String>,
    },
    /// `/__emulator/...` control endpoints.
    Control(String),
    /// An API path with a verb other than GET, POST, PUT and DELETE.
    MethodNotAllowed,
    NotFound,
}

/// The HTTP verbs the REST API answers.
pub(crate) const ALLOWED_VERBS: &str = "GET, POST, PUT, DELETE";

/// Splits a request target into path and decoded query pairs.
pub(crate) fn split_target(target: &str) -> (String, Vec<(String, String)>) {
    match target.split_once('?') {
        Some((path, query)) => (percent_decode(path, false), parse_query(query)),
        None => (percent_decode(target, false), Vec::new()),
    }
}

/// Form-decodes a query string (`+` is a space).
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(pair, true), String::new()),
        })
        .collect()
}

/// Decodes `%XX` escapes (and `+` as a space in form mode).
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    out.push(b);
                    i += 3;
                } else {
                    out.push(b'%');
                    i += 1;
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a path segment names a method rather than an init id. Methods
/// are lowerCamelCase words (`getObject`, `cancelService`, `void`); ids are
/// numbers, UUIDs or usernames (`SL02SEL307608-58`). An all-lowercase word
/// is a method only when it is one of the few one-word methods, so a
/// lowercase hex id (`deadbeef`) still reads as an id.
fn method_like(segment: &str) -> bool {
    const ONE_WORD: &[&str] = &["void", "route", "unroute", "cancel", "edit", "reboot"];
    let starts_lower = segment
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase());
    starts_lower
        && segment.chars().all(|c| c.is_ascii_alphanumeric())
        && (segment.chars().any(|c| c.is_ascii_uppercase()) || ONE_WORD.contains(&segment))
}

/// Routes a decoded path for an HTTP verb.
pub(crate) fn route(verb: &str, path: &str) -> Route {
    if let Some(rest) = path.strip_prefix("/__emulator/") {
        return Route::Control(rest.trim_end_matches('/').to_owned());
    }
    let Some(rest) = path
        .strip_prefix("/rest/v3.1/")
        .or_else(|| path.strip_prefix("/rest/v3/"))
    else {
        return Route::NotFound;
    };
    if !matches!(verb, "GET" | "POST" | "PUT" | "DELETE") {
        return Route::MethodNotAllowed;
    }
    let rest = rest.strip_suffix(".json").unwrap_or(rest);
    let segments: Vec<&str> = rest.split('/').collect();
    let implied = || {
        match verb {
            "DELETE" => "deleteObject",
            "PUT" => "editObject",
            "POST" => "createObject",
            _ => "getObject",
        }
        .to_owned()
    };
    let service = segments[0].to_owned();
    if service.is_empty() {
        return Route::NotFound;
    }
    match segments.len() {
        1 => Route::Rest {
            service,
            id: None,
            method: implied(),
            path_params: Vec::new(),
        },
        2 if method_like(segments[1]) => Route::Rest {
            service,
            id: None,
            method: segments[1].to_owned(),
            path_params: Vec::new(),
        },
        2 => Route::Rest {
            service,
            id: Some(segments[1].to_owned()),
            method: implied(),
            path_params: Vec::new(),
        },
        // `/Service/method/param...`: a static method with positional
        // parameters in the path.
        _ if method_like(segments[1]) => Route::Rest {
            service,
            id: None,
            method: segments[1].to_owned(),
            path_params: segments[2..].iter().map(|s| (*s).to_owned()).collect(),
        },
        _ => Route::Rest {
            service,
            id: Some(segments[1].to_owned()),
            method: segments[2].to_owned(),
            path_params: segments[3..].iter().map(|s| (*s).to_owned()).collect(),
        },
    }
}

/// Credentials from the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Credentials {
    Basic { username: String, api_key: String },
    Bearer,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
            Credentials::Bearer => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// The rest of `header` after the auth scheme `scheme` (matched without
/// regard to case, as HTTP auth schemes are) and its separating whitespace.
fn strip_scheme<'h>(header: &'h str, scheme: &str) -> Option<&'h str> {
    let (word, rest) = header.split_once([' ', '\t'])?;
    word.eq_ignore_ascii_case(scheme).then_some(rest)
}

/// Parses `Basic base64(user:key)` or `Bearer token` (schemes in any case).
pub(crate) fn credentials(header: Option<&str>) -> Option<Credentials> {
    let header = header?.trim();
    if let Some(token) = strip_scheme(header, "Bearer") {
        return (!token.trim().is_empty()).then_some(Credentials::Bearer);
    }
    let encoded = strip_scheme(header, "Basic")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (username, api_key) = text.split_once(':')?;
    Some(Credentials::Basic {
        username: username.to_owned(),
        api_key: api_key.to_owned(),
    })
}

/// Longest objectFilter accepted, in bytes.
pub(crate) const MAX_FILTER_LEN: usize = 32 * 1024;
/// Deepest objectFilter accepted (JSON objects and arrays inside each
/// other). Real filters nest up to about 10.
pub(crate) const MAX_FILTER_DEPTH: usize = 64;

/// The `objectFilter` of a query: None when absent or not JSON (the API
/// ignores what it cannot read); refused when beyond the bounds above.
pub(crate) fn object_filter(query: &[(String, String)]) -> Result<Option<Value>, ApiError> {
    let Some((_, text)) = query.iter().find(|(k, _)| k == "objectFilter") else {
        return Ok(None);
    };
    if text.len() > MAX_FILTER_LEN {
        return Err(ApiError::too_large(format!(
            "Object filter is {} bytes long; at most {MAX_FILTER_LEN} are accepted.",
            text.len()
        )));
    }
    if json_depth(text) > MAX_FILTER_DEPTH {
        return Err(ApiError::too_large(format!(
            "Object filter is nested more than {MAX_FILTER_DEPTH} levels deep."
        )));
    }
    Ok(serde_json::from_str(text).ok())
}

/// How deeply JSON arrays and objects nest in `text` (brackets inside
/// strings do not count), measured without parsing it.
fn json_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// `resultLimit=offset,limit` or `resultLimit=limit`; a limit of 0 means
/// "no limit" (the SDK sends `10,0` for an offset alone).
pub(crate) fn result_limit(text: &str) -> Option<(usize, Option<usize>)> {
    let mut parts = text.split(',').map(str::trim);
    let first: usize = parts.next()?.parse().ok()?;
    match parts.next() {
        Some(l) => {
            let limit: usize = l.parse().ok()?;
            Some((first, (limit > 0).then_some(limit)))
        }
        None => Some((0, (first > 0).then_some(first))),
    }
}

/// The positional parameters of a request body (`{"parameters": [...]}`).
pub(crate) fn parameters(body: &[u8]) -> Result<Vec<Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let value: Value = serde_json::from_slice(body).map_err(|_| ApiError::bad_request())?;
    Ok(match value.get("parameters") {
        Some(Value::Array(p)) => p.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest(service: &str, id: Option<&str>, method: &str) -> Route {
        Route::Rest {
            service: service.into(),
            id: id.map(Into::into),
            method: method.into(),
            path_params: Vec::new(),
        }
    }

    /// The SDK's URL shape and the verb-implied forms route the same way.
    #[test]
    fn routes_all_url_shapes() {
        assert_eq!(
            route(
                "GET",
                "/rest/v3.1/SoftLayer_Virtual_Guest/12/getObject.json"
            ),
            rest("SoftLayer_Virtual_Guest", Some("12"), "getObject")
        );
        assert_eq!(
            route("GET", "/rest/v3/SoftLayer_Virtual_Guest/12/getObject"),
            rest("SoftLayer_Virtual_Guest", Some("12"), "getObject")
        );
        assert_eq!(
            route("GET", "/rest/v3.1/SoftLayer_Virtual_Guest/12.json"),
            rest("SoftLayer_Virtual_Guest", Some("12"), "getObject")
        );
        assert_eq!(
            route("DELETE", "/rest/v3.1/SoftLayer_Virtual_Guest/12"),
            rest("SoftLayer_Virtual_Guest", Some("12"), "deleteObject")
        );
        assert_eq!(
            route("PUT", "/rest/v3.1/SoftLayer_Virtual_Guest/12.json"),
            rest("SoftLayer_Virtual_Guest", Some("12"), "editObject")
        );
        assert_eq!(
            route(
                "POST",
                "/rest/v3.1/SoftLayer_Billing_Item_Cancellation_Request.json"
            ),
            rest(
                "SoftLayer_Billing_Item_Cancellation_Request",
                None,
                "createObject"
            )
        );
        assert_eq!(
            route("GET", "/rest/v3.1/SoftLayer_Account/getVirtualGuests.json"),
            rest("SoftLayer_Account", None, "getVirtualGuests")
        );
        assert_eq!(
            route(
                "GET",
                "/rest/v3.1/SoftLayer_Network_LBaaS_LoadBalancer/1a1aa111-4474/getObject.json"
            ),
            rest(
                "SoftLayer_Network_LBaaS_LoadBalancer",
                Some("1a1aa111-4474"),
                "getObject"
            )
        );
        assert_eq!(route("GET", "/other"), Route::NotFound);
        // Method-like second segments are methods, anything else an id.
        assert_eq!(
            route("GET", "/rest/v3.1/SoftLayer_Account/getObject"),
            rest("SoftLayer_Account", None, "getObject")
        );
        assert_eq!(
            route("GET", "/rest/v3.1/SoftLayer_Virtual_Guest/123"),
            rest("SoftLayer_Virtual_Guest", Some("123"), "getObject")
        );
        assert_eq!(
            route(
                "GET",
                "/rest/v3.1/SoftLayer_Network_Storage/SL02SEL307608-58"
            ),
            rest(
                "SoftLayer_Network_Storage",
                Some("SL02SEL307608-58"),
                "getObject"
            )
        );
        assert_eq!(
            route(
                "GET",
                "/rest/v3.1/SoftLayer_Network_LBaaS_LoadBalancer/deadbeef.json"
            ),
            rest(
                "SoftLayer_Network_LBaaS_LoadBalancer",
                Some("deadbeef"),
                "getObject"
            )
        );
        assert_eq!(
            route(
                "POST",
                "/rest/v3.1/SoftLayer_Billing_Item_Cancellation_Request/void.json"
            ),
            rest("SoftLayer_Billing_Item_Cancellation_Request", None, "void")
        );
        assert_eq!(
            route(
                "GET",
                "/rest/v3.1/SoftLayer_Virtual_Guest/findByIpAddress/10.0.0.1"
            ),
            Route::Rest {
                service: "SoftLayer_Virtual_Guest".into(),
                id: None,
                method: "findByIpAddress".into(),
                path_params: vec!["10.0.0.1".into()],
            }
        );
        assert_eq!(
            route(
                "GET",
                "/rest/v3.1/SoftLayer_Monitoring_Agent/1234/setActiveAlarmSubscriber/5678"
            ),
            Route::Rest {
                service: "SoftLayer_Monitoring_Agent".into(),
                id: Some("1234".into()),
                method: "setActiveAlarmSubscriber".into(),
                path_params: vec!["5678".into()],
            }
        );
        for verb in ["PATCH", "HEAD", "OPTIONS", "TRACE"] {
            assert_eq!(
                route(verb, "/rest/v3.1/SoftLayer_Account/getObject.json"),
                Route::MethodNotAllowed,
                "{verb}"
            );
        }
        assert_eq!(
            route("GET", "/__emulator/world"),
            Route::Control("world".into())
        );
    }

    /// Form decoding turns `+` into a space and decodes escapes.
    #[test]
    fn decodes_form_queries() {
        let (path, q) = split_target(
            "/rest/v3.1/X/getObject.json?objectMask=mask%5Bid%2C%0A++++billingItem%5D&resultLimit=0%2C2",
        );
        assert_eq!(path, "/rest/v3.1/X/getObject.json");
        assert_eq!(
            q[0],
            ("objectMask".into(), "mask[id,\n    billingItem]".into())
        );
        assert_eq!(q[1], ("resultLimit".into(), "0,2".into()));
        assert_eq!(percent_decode("100%", true), "100%");
    }

    /// Basic credentials decode; garbage does not.
    #[test]
    fn parses_credentials() {
        let c = credentials(Some("Basic dGVzdHVzZXI6a2V5")).unwrap();
        assert_eq!(
            c,
            Credentials::Basic {
                username: "testuser".into(),
                api_key: "key".into()
            }
        );
        assert!(!format!("{c:?}").contains("key\""));
        assert_eq!(credentials(Some("Bearer abc")), Some(Credentials::Bearer));
        // Auth schemes are case-insensitive.
        for header in ["basic dGVzdHVzZXI6a2V5", "BASIC  dGVzdHVzZXI6a2V5"] {
            assert_eq!(credentials(Some(header)), Some(c.clone()), "{header}");
        }
        assert_eq!(credentials(Some("bearer abc")), Some(Credentials::Bearer));
        assert_eq!(credentials(Some("Basicx dGVzdHVzZXI6a2V5")), None);
        assert_eq!(credentials(Some("Basic !!!")), None);
        assert_eq!(credentials(None), None);
    }

    /// resultLimit accepts both forms.
    #[test]
    fn parses_result_limit() {
        assert_eq!(result_limit("0,2"), Some((0, Some(2))));
        assert_eq!(result_limit("10,0"), Some((10, None)));
        assert_eq!(result_limit("5"), Some((0, Some(5))));
        assert_eq!(result_limit("x"), None);
    }

    /// Filters are bounded in length and depth; within the bounds an
    /// unreadable one is ignored, as the API ignores it.
    #[test]
    fn bounds_filters() {
        let query = |text: String| vec![("objectFilter".to_owned(), text)];
        let nested = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        assert_eq!(json_depth(&nested(3)), 3);
        assert_eq!(json_depth(r#"{"a": "{[{[", "b": ["\"]"]}"#), 2);
        assert!(
            object_filter(&query(nested(MAX_FILTER_DEPTH)))
                .unwrap()
                .is_some()
        );
        for text in [
            nested(MAX_FILTER_DEPTH + 1),
            nested(5_000),
            "[".repeat(100_000),
            format!("{{\"a\": \"{}\"}}", "x".repeat(MAX_FILTER_LEN)),
        ] {
            let e = object_filter(&query(text)).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (400, "SoftLayer_Exception_WebService_BadRequest")
            );
        }
        assert_eq!(object_filter(&query("{nope".into())).unwrap(), None);
        assert_eq!(object_filter(&[]).unwrap(), None);
    }

    /// Bodies carry positional parameters.
    #[test]
    fn reads_parameters() {
        let p = parameters(br#"{"parameters": [true, false, "No longer needed", null]}"#).unwrap();
        assert_eq!(p.len(), 4);
        assert!(parameters(b"").unwrap().is_empty());
        assert!(parameters(b"{nope").is_err());
    }
}
