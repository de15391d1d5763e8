//! One API call turned into the HTTP request the official SDK would send:
//! verb, URL (path and query string) and body. Pure functions, no I/O.

use serde_json::Value;

use crate::softlayer::call::Call;
use crate::softlayer::python_json::python_json;

/// The HTTP verb of a call, chosen with the SDK's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Put,
}

/// A call ready to send: everything but the connection and the headers that
/// are the same for every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpRequest {
    pub(crate) verb: Verb,
    /// Absolute URL including the query string.
    pub(crate) url: String,
    /// `Some` for POST/PUT (possibly empty: `Content-Length: 0`), `None` for GET.
    pub(crate) body: Option<String>,
    /// A list page (`resultLimit` set): its answer may be large.
    pub(crate) page: bool,
}

/// Builds the request for `call` against `endpoint`, with `resultLimit` set
/// when `page` is `Some((offset, limit))`.
pub(crate) fn build(endpoint: &str, call: &Call<'_>, page: Option<(u64, u64)>) -> HttpRequest {
    let mut url = endpoint.trim_end_matches('/').to_string();
    url.push('/');
    url.push_str(call.service);
    if let Some(id) = &call.id {
        url.push('/');
        url.push_str(id);
    }
    url.push('/');
    url.push_str(call.method);
    url.push_str(".json");
    let query = query_string(call, page);
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    let (verb, body) = verb_and_body(call);
    HttpRequest {
        verb,
        url,
        body,
        page: page.is_some(),
    }
}

/// Any argument forces POST with `{"parameters": [...]}`; argument-less
/// create/edit calls are POST/PUT with an empty body; everything else,
/// `deleteObject` included, is a GET (the SDK's mapping, captured).
fn verb_and_body(call: &Call<'_>) -> (Verb, Option<String>) {
    if !call.params.is_empty() {
        let body = serde_json::json!({ "parameters": call.params });
        return (Verb::Post, Some(python_json(&body)));
    }
    match call.method {
        "createObject" | "createObjects" => (Verb::Post, Some(String::new())),
        "editObject" | "editObjects" => (Verb::Put, Some(String::new())),
        _ => (Verb::Get, None),
    }
}

/// `objectMask`, `resultLimit`, `objectFilter`, in the SDK's order and with
/// `urlencode`'s encoding; each only when the SDK would send it.
fn query_string(call: &Call<'_>, page: Option<(u64, u64)>) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(mask) = call.mask.as_deref().filter(|m| !m.is_empty()) {
        pairs.push(("objectMask", object_mask(mask)));
    }
    if let Some((offset, limit)) = page.filter(|&(offset, limit)| offset != 0 || limit != 0) {
        pairs.push(("resultLimit", format!("{offset},{limit}")));
    }
    if let Some(filter) = call.filter.as_ref().filter(|f| is_truthy(f)) {
        pairs.push(("objectFilter", python_json(filter)));
    }
    pairs
        .iter()
        .map(|(key, value)| format!("{}={}", quote_plus(key), quote_plus(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The SDK's `_format_object_mask`: trimmed, and wrapped in `mask[...]`
/// unless it already starts with `mask`, `[` or `filteredMask`.
pub(crate) fn object_mask(mask: &str) -> String {
    let mask = mask.trim();
    if mask.starts_with("mask") || mask.starts_with('[') || mask.starts_with("filteredMask") {
        mask.to_string()
    } else {
        format!("mask[{mask}]")
    }
}

/// Python truthiness of a filter: `None`, `{}` and the like are not sent.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Python's `quote_plus(text, safe='')`: UTF-8 bytes, `A-Za-z0-9_.-~` kept,
/// space as `+`, everything else `%XX` with upper-case hex.
pub(crate) fn quote_plus(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ENDPOINT: &str = "http://127.0.0.1:18555/rest/v3.1/";

    fn path_and_query(request: &HttpRequest) -> &str {
        request.url.strip_prefix("http://127.0.0.1:18555").unwrap()
    }

    /// getBillingItem with an id and a mask matches the reference capture.
    #[test]
    fn get_billing_item_matches_capture() {
        let call = Call::new("SoftLayer_Virtual_Guest", "getBillingItem")
            .id(12345678)
            .mask("mask[id]");
        let request = build(ENDPOINT, &call, None);
        assert_eq!(request.verb, Verb::Get);
        assert_eq!(request.body, None);
        assert_eq!(
            path_and_query(&request),
            "/rest/v3.1/SoftLayer_Virtual_Guest/12345678/getBillingItem.json?objectMask=mask%5Bid%5D"
        );
    }

    /// A mask plus a filter match the getCdnAccounts capture, mask first.
    #[test]
    fn mask_and_filter_match_capture() {
        let call = Call::new("SoftLayer_Account", "getCdnAccounts")
            .filter(json!({"cdnAccounts": {"cdnAccountName": {"operation": "14793"}}}))
            .mask("mask[billingItem]");
        assert_eq!(
            path_and_query(&build(ENDPOINT, &call, None)),
            "/rest/v3.1/SoftLayer_Account/getCdnAccounts.json?objectMask=mask%5BbillingItem%5D&objectFilter=%7B%22cdnAccounts%22%3A+%7B%22cdnAccountName%22%3A+%7B%22operation%22%3A+%2214793%22%7D%7D%7D"
        );
    }

    /// A page request puts resultLimit between the mask and the filter, as iter_call does.
    #[test]
    fn paged_request_matches_capture() {
        let order = json!({"id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["ASC"]}]}});
        let call = Call::new("SoftLayer_Account", "getVirtualGuests").filter(order.clone());
        assert_eq!(
            path_and_query(&build(ENDPOINT, &call, Some((2, 2)))),
            "/rest/v3.1/SoftLayer_Account/getVirtualGuests.json?resultLimit=2%2C2&objectFilter=%7B%22id%22%3A+%7B%22operation%22%3A+%22orderBy%22%2C+%22options%22%3A+%5B%7B%22name%22%3A+%22sort%22%2C+%22value%22%3A+%5B%22ASC%22%5D%7D%5D%7D%7D"
        );
        let call = Call::new("SoftLayer_Account", "getVirtualGuests")
            .mask("mask[id]")
            .filter(
                json!({"virtualGuests": {"hostname": {"operation": "^= vs"}}, "id": order["id"]}),
            );
        assert_eq!(
            path_and_query(&build(ENDPOINT, &call, Some((0, 3)))),
            "/rest/v3.1/SoftLayer_Account/getVirtualGuests.json?objectMask=mask%5Bid%5D&resultLimit=0%2C3&objectFilter=%7B%22id%22%3A+%7B%22operation%22%3A+%22orderBy%22%2C+%22options%22%3A+%5B%7B%22name%22%3A+%22sort%22%2C+%22value%22%3A+%5B%22ASC%22%5D%7D%5D%7D%2C+%22virtualGuests%22%3A+%7B%22hostname%22%3A+%7B%22operation%22%3A+%22%5E%3D+vs%22%7D%7D%7D"
        );
    }

    /// resultLimit is offset first, with a missing half written as 0.
    #[test]
    fn result_limit_is_offset_then_limit() {
        let call = Call::new("SoftLayer_Account", "getHardware");
        assert!(
            build(ENDPOINT, &call, Some((0, 10)))
                .url
                .ends_with("getHardware.json?resultLimit=0%2C10")
        );
        assert!(
            build(ENDPOINT, &call, Some((10, 0)))
                .url
                .ends_with("getHardware.json?resultLimit=10%2C0")
        );
        assert!(
            build(ENDPOINT, &call, Some((0, 0)))
                .url
                .ends_with("getHardware.json")
        );
    }

    /// Arguments force POST with the Python-style body; the id stays in the path.
    #[test]
    fn arguments_force_post() {
        let call = Call::new("SoftLayer_Billing_Item", "cancelItem")
            .id(555)
            .params(vec![
                json!(false),
                json!(false),
                json!("No longer needed"),
                json!("Api test"),
            ]);
        let request = build(ENDPOINT, &call, None);
        assert_eq!(request.verb, Verb::Post);
        assert_eq!(
            path_and_query(&request),
            "/rest/v3.1/SoftLayer_Billing_Item/555/cancelItem.json"
        );
        let body = request.body.unwrap();
        assert_eq!(
            body,
            r#"{"parameters": [false, false, "No longer needed", "Api test"]}"#
        );
        assert_eq!(body.len(), 62, "Content-Length of the capture");
        let call = Call::new("SoftLayer_Virtual_Guest", "editObject")
            .id(1)
            .params(vec![json!({"notes": "x"})]);
        let request = build(ENDPOINT, &call, None);
        assert_eq!(
            (request.verb, request.body.as_deref()),
            (Verb::Post, Some(r#"{"parameters": [{"notes": "x"}]}"#))
        );
    }

    /// Argument-less create/edit/delete calls use the SDK's verbs and bodies.
    #[test]
    fn verbs_without_arguments() {
        let verb = |method| {
            let request = build(
                ENDPOINT,
                &Call::new("SoftLayer_Virtual_Guest", method).id(1),
                None,
            );
            (request.verb, request.body)
        };
        assert_eq!(verb("createObject"), (Verb::Post, Some(String::new())));
        assert_eq!(verb("editObject"), (Verb::Put, Some(String::new())));
        assert_eq!(verb("deleteObject"), (Verb::Get, None));
        assert_eq!(verb("cancelService"), (Verb::Get, None));
        assert_eq!(verb("getObject"), (Verb::Get, None));
    }

    /// The mask prefixing rule matches every captured case.
    #[test]
    fn mask_prefixing_rule() {
        assert_eq!(object_mask("id,hostname"), "mask[id,hostname]");
        assert_eq!(object_mask("mask[id]"), "mask[id]");
        assert_eq!(object_mask("mask.id"), "mask.id");
        assert_eq!(object_mask("[id]"), "[id]");
        assert_eq!(object_mask("filteredMask[id]"), "filteredMask[id]");
        assert_eq!(object_mask("  id \n"), "mask[id]");
        let call = Call::new("SoftLayer_Virtual_Guest", "getObject")
            .id(1)
            .mask("id,\n    billingItem[id, recurringFee]");
        assert!(build(ENDPOINT, &call, None).url.ends_with(
            "getObject.json?objectMask=mask%5Bid%2C%0A++++billingItem%5Bid%2C+recurringFee%5D%5D"
        ));
    }

    /// Non-ASCII in a filter is JSON-escaped first, then percent-encoded.
    #[test]
    fn non_ascii_filter_matches_capture() {
        let call = Call::new("SoftLayer_Account", "getHardware")
            .filter(json!({"hardware": {"hostname": {"operation": "Größe&x"}}}));
        assert_eq!(
            path_and_query(&build(ENDPOINT, &call, None)),
            "/rest/v3.1/SoftLayer_Account/getHardware.json?objectFilter=%7B%22hardware%22%3A+%7B%22hostname%22%3A+%7B%22operation%22%3A+%22Gr%5Cu00f6%5Cu00dfe%26x%22%7D%7D%7D"
        );
    }

    /// Empty masks and filters are left out, like Python's truthiness test.
    #[test]
    fn empty_mask_and_filter_are_not_sent() {
        let call = Call::new("SoftLayer_Account", "getObject")
            .mask("")
            .filter(json!({}));
        assert!(
            build(ENDPOINT, &call, None)
                .url
                .ends_with("/SoftLayer_Account/getObject.json")
        );
    }

    /// The endpoint's trailing slash does not matter; string ids go in raw.
    #[test]
    fn endpoint_slash_and_string_ids() {
        let call = Call::new("SoftLayer_Network_LBaaS_LoadBalancer", "getObject").id("abc-uuid");
        let with = build("https://api.softlayer.com/rest/v3.1/", &call, None);
        let without = build("https://api.softlayer.com/rest/v3.1", &call, None);
        assert_eq!(with, without);
        assert_eq!(
            with.url,
            "https://api.softlayer.com/rest/v3.1/SoftLayer_Network_LBaaS_LoadBalancer/abc-uuid/getObject.json"
        );
    }

    /// quote_plus keeps only the unreserved set and writes space as '+'.
    #[test]
    fn quote_plus_encoding() {
        assert_eq!(
            quote_plus("a b,[]\":{}\n\\&^=/~_.-"),
            "a+b%2C%5B%5D%22%3A%7B%7D%0A%5C%26%5E%3D%2F~_.-"
        );
        assert_eq!(quote_plus("ö"), "%C3%B6");
    }
}
