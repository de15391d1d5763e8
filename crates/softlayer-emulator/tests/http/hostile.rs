//! Hostile requests over raw TCP: each gets an HTTP error answer, and the
//! emulator keeps serving (issue 14: a mask nested 5,000 levels deep used to
//! overflow a worker's stack and kill the whole process).

use base64::Engine;

use crate::support::{Resp, USER, authority, config, get, q, send_bytes, start};

/// A GET of `target` with the test credentials, as raw bytes.
fn request(authority: &str, target: &str, extra_headers: &str) -> Vec<u8> {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", USER.0, USER.1));
    format!(
        "GET {target} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Basic {token}\r\n{extra_headers}Connection: close\r\n\r\n"
    )
    .into_bytes()
}

fn masked(authority: &str, mask: &str) -> Vec<u8> {
    request(
        authority,
        &format!(
            "/rest/v3.1/SoftLayer_Account/getVirtualGuests.json?objectMask={}",
            q(mask)
        ),
        "",
    )
}

fn filtered(authority: &str, filter: &str) -> Vec<u8> {
    request(
        authority,
        &format!(
            "/rest/v3.1/SoftLayer_Account/getVirtualGuests.json?objectFilter={}",
            q(filter)
        ),
        "",
    )
}

/// The answer is JSON with an error text.
fn json_error(r: &Resp) -> String {
    r.error()
}

#[test]
fn hostile_requests_get_answers_and_the_emulator_survives() {
    let emu = start(config());
    let host = authority(&emu);
    let deep_mask = format!("mask{}[id{}", "[a".repeat(4_999), "]".repeat(5_000));
    let dotted_mask = format!("mask.{}id", "a.".repeat(5_000));
    let deep_filter = format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000));
    let deep_object_filter = format!("{}1{}", "{\"a\":".repeat(1_000), "}".repeat(1_000));
    let wide_mask = format!("mask[{}]", vec!["id"; 3_000].join(","));
    let long_mask = format!("mask[{}]", "a".repeat(40_000));
    let mut bad_utf8 =
        b"GET /rest/v3.1/SoftLayer_Acc\xff\xfeount/getObject.json HTTP/1.1\r\n".to_vec();
    bad_utf8.extend_from_slice(b"Host: x\r\n\r\n");
    let big_header = request(
        &host,
        "/rest/v3.1/SoftLayer_Account/getObject.json",
        &format!("X-Big: {}\r\n", "a".repeat(100_000)),
    );
    let many_headers = request(
        &host,
        "/rest/v3.1/SoftLayer_Account/getObject.json",
        &"X-A: 1\r\n".repeat(1_000),
    );
    let long_path = request(&host, &format!("/rest/v3.1/{}", "a".repeat(70_000)), "");
    let huge_body = b"POST /rest/v3.1/SoftLayer_Account/getObject.json HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n{".to_vec();
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "mask nested 5,000 deep",
            masked(&host, &deep_mask),
            400,
            "Object mask is nested more than 64 levels deep.",
        ),
        (
            "dotted mask 5,000 deep",
            masked(&host, &dotted_mask),
            400,
            "Object mask is nested more than 64 levels deep.",
        ),
        (
            "filter nested 5,000 deep",
            filtered(&host, &deep_filter),
            400,
            "Object filter is nested more than 64 levels deep.",
        ),
        (
            "filter of objects 1,000 deep",
            filtered(&host, &deep_object_filter),
            400,
            "Object filter is nested more than 64 levels deep.",
        ),
        (
            "mask of 3,000 properties",
            masked(&host, &wide_mask),
            400,
            "Object mask names more than 2000 properties.",
        ),
        (
            "mask of 40 KB",
            masked(&host, &long_mask),
            400,
            "Object mask is 40006 bytes long; at most 32768 are accepted.",
        ),
        (
            "invalid UTF-8 in the path",
            bad_utf8,
            400,
            "Bad request: the request line holds bytes that are not printable ASCII.",
        ),
        (
            "a 100 KB header",
            big_header,
            431,
            "Request header fields too large.",
        ),
        (
            "1,000 headers",
            many_headers,
            431,
            "Request header fields too large.",
        ),
        ("a 70 KB path", long_path, 414, "Request line too long."),
        (
            "a 100 MB body announced",
            huge_body,
            413,
            "Request body too large.",
        ),
        (
            "an HTTP/2 preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
            505,
            "Only HTTP/1.0 and HTTP/1.1 are served.",
        ),
        (
            "a TLS hello",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n".to_vec(),
            400,
            "Bad request: the request line holds bytes that are not printable ASCII.",
        ),
    ];
    for (what, bytes, status, message) in cases {
        let r = send_bytes(&emu, &bytes);
        assert_eq!(
            (r.status, json_error(&r).as_str()),
            (status, message),
            "{what}: {}",
            r.text
        );
        // The process is alive and answers a normal request.
        let ok = get(&emu, "SoftLayer_Account/getObject.json");
        assert_eq!(ok.status, 200, "after {what}: {}", ok.text);
    }
    // Percent-encoded invalid UTF-8 decodes (lossily) and is answered.
    let r = send_bytes(
        &emu,
        &request(&host, "/rest/v3.1/SoftLayer_%FF%FE/getObject.json", ""),
    );
    assert_eq!(
        (r.status, json_error(&r).as_str()),
        (404, "Service does not exist")
    );
    // The deepest mask within the bound is read (and checked) normally.
    // `mask[billingItem[billingItem[...[id]]]]`, 64 levels.
    let within = format!("mask{}[id{}", "[billingItem".repeat(63), "]".repeat(64));
    let r = send_bytes(&emu, &masked(&host, &within));
    assert_eq!(r.status, 500, "{}", r.text);
    assert_eq!(
        json_error(&r),
        "Property 'billingItem' not valid for 'SoftLayer_Billing_Item_Virtual_Guest'."
    );
}
