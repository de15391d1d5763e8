//! Which URL the client talks to: validated, mapped from XML-RPC to REST,
//! and plain HTTP only on loopback.

use std::net::{IpAddr, Ipv6Addr};

use ureq::http::Uri;

use crate::terminal_text::escape_controls;

/// The public REST endpoint, used when nothing else is configured.
pub const DEFAULT_ENDPOINT: &str = "https://api.softlayer.com/rest/v3.1/";

/// A validated REST endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// Normalised URL, always ending in `/`.
    pub(crate) url: String,
    /// Host is 127.0.0.0/8, ::1 or localhost: plain HTTP allowed, no proxy.
    pub(crate) loopback: bool,
}

/// Validates `raw` and returns the REST endpoint it names, or why not.
///
/// An slcli config usually holds an XML-RPC endpoint
/// (`https://api.softlayer.com/xmlrpc/v3.1/`, the SDK's default); its REST
/// twin differs only in that path segment, so it is mapped rather than
/// refused.
pub(crate) fn parse(raw: &str) -> Result<Endpoint, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("empty (expected https://host/rest/v3.1/)".into());
    }
    if raw.contains('@') {
        // Credentials in a URL end up in logs and error messages.
        return Err("credentials in the URL are not accepted; use SL_USERNAME/SL_API_KEY".into());
    }
    if raw.contains(['?', '#']) {
        return Err("an endpoint cannot carry a query or fragment".into());
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("spaces and control characters are not allowed in a URL".into());
    }
    let (scheme, rest) = raw
        .split_once("://")
        .ok_or_else(|| "not an absolute URL (expected https://host/rest/v3.1/)".to_string())?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(format!(
            "unsupported scheme `{}` (expected https, or http for a loopback host)",
            escape_controls(&scheme)
        ));
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let (host, port) = split_authority(authority)?;
    if let Some(port) = port {
        check_port(port)?;
    }
    check_host(host)?;
    // The last word: what the HTTP stack itself will accept.
    raw.parse::<Uri>()
        .map_err(|err| format!("not a valid URL: {err}"))?;
    let loopback = is_loopback(host);
    if scheme == "http" && !loopback {
        return Err(format!(
            "plain http:// is only allowed for a loopback host (127.0.0.1, ::1, localhost), not `{host}`; use https://"
        ));
    }
    let mut path = rest_path(path);
    if !path.ends_with('/') {
        path.push('/');
    }
    Ok(Endpoint {
        url: format!("{scheme}://{}{path}", authority.to_ascii_lowercase()),
        loopback,
    })
}

/// `host[:port]` or `[v6][:port]`: the host without brackets, and the port text.
fn split_authority(authority: &str) -> Result<(&str, Option<&str>), String> {
    if authority.is_empty() {
        return Err("no host in the URL".into());
    }
    if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err("unbalanced brackets: `[` without `]` around an IPv6 address".into());
        };
        if host.parse::<Ipv6Addr>().is_err() {
            return Err("the text in `[...]` is not an IPv6 address".into());
        }
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err("unexpected text after the `]` of the IPv6 address".into()),
            },
        };
    }
    if authority.contains(['[', ']']) {
        return Err("unbalanced brackets: an IPv6 address goes in `[...]`".into());
    }
    match authority.split_once(':') {
        Some((_, rest)) if rest.contains(':') => {
            Err("an IPv6 address must be written in brackets, e.g. https://[2001:db8::1]/".into())
        }
        Some((host, port)) => Ok((host, Some(port))),
        None => Ok((authority, None)),
    }
}

/// A port: digits, 1 to 65535.
fn check_port(port: &str) -> Result<(), String> {
    if port.is_empty() {
        return Err("no port number after `:`".into());
    }
    let valid = port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| (1..=65_535).contains(&p));
    if valid {
        Ok(())
    } else if port.bytes().all(|b| b.is_ascii_digit()) {
        Err(format!(
            "invalid port `{port}` (expected a number from 1 to 65535)"
        ))
    } else {
        // Not echoed: `user:key` without the `@` puts the key here.
        Err("invalid port: not a number (expected a number from 1 to 65535)".into())
    }
}

/// A host name (letters, digits, `-`, `.`, `_`) or an IP address.
fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("no host in the URL".into());
    }
    let valid = host.parse::<IpAddr>().is_ok()
        || host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if valid {
        Ok(())
    } else {
        Err(format!("invalid host name `{}`", escape_controls(host)))
    }
}

/// `raw` fit to show in a message: the user-info part (`user:key@`), the
/// query and the fragment become `***`, so a secret pasted into a URL never
/// reaches the output; so does a port that is not a number (`user:key`
/// without the `@`). Works on any text, valid URL or not: everything up
/// to the last `@` counts as user-info (a key may itself hold `/`, `?` or
/// `#`), and control characters are escaped.
pub fn redact(raw: &str) -> String {
    let raw = raw.trim();
    let (prefix, rest) = match raw.find("://") {
        Some(at) => raw.split_at(at + 3),
        None => match raw.strip_prefix("//") {
            Some(rest) => ("//", rest),
            None => ("", raw),
        },
    };
    let (userinfo, rest) = match rest.rfind('@') {
        Some(at) => (true, &rest[at + 1..]),
        None => (false, rest),
    };
    let (rest, query) = match rest.find('?') {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (rest, fragment) = match rest.find('#') {
        Some(at) => (&rest[..at], true),
        None => (rest, query.is_some_and(|q| q.contains('#'))),
    };
    let mut out = String::from(prefix);
    if userinfo {
        out.push_str("***@");
    }
    // A port that is not a number is where `user:key` without the `@` puts the key.
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let port_at = match authority.strip_prefix('[') {
        Some(_) => authority.find("]:").map(|at| at + 1),
        None => authority.find(':'),
    };
    match port_at {
        Some(at) if !authority[at + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            out.push_str(&authority[..=at]);
            out.push_str("***");
            out.push_str(path);
        }
        _ => out.push_str(rest),
    }
    if query.is_some() {
        out.push_str("?***");
    }
    if fragment {
        out.push_str("#***");
    }
    escape_controls(&out).into_owned()
}

/// 127.0.0.0/8, ::1 (also as an IPv4-mapped address) or `localhost`.
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => {
            v6 == Ipv6Addr::LOCALHOST || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// `/xmlrpc/v3.1` becomes `/rest/v3.1`; any other path is kept.
fn rest_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    if segments.contains(&"rest") {
        return path.to_string();
    }
    segments
        .iter()
        .map(|segment| {
            if *segment == "xmlrpc" {
                "rest"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> String {
        parse(raw).unwrap().url
    }

    /// The SDK's four built-in endpoints map to the two REST ones.
    #[test]
    fn sdk_endpoints_map_to_rest() {
        assert_eq!(
            url("https://api.softlayer.com/xmlrpc/v3.1/"),
            "https://api.softlayer.com/rest/v3.1/"
        );
        assert_eq!(
            url("https://api.softlayer.com/xmlrpc/v3.1"),
            "https://api.softlayer.com/rest/v3.1/"
        );
        assert_eq!(
            url("https://api.service.softlayer.com/xmlrpc/v3.1/"),
            "https://api.service.softlayer.com/rest/v3.1/"
        );
        assert_eq!(
            url("https://api.softlayer.com/rest/v3.1/"),
            DEFAULT_ENDPOINT
        );
        assert_eq!(
            url("https://api.service.softlayer.com/rest/v3.1"),
            "https://api.service.softlayer.com/rest/v3.1/"
        );
        assert_eq!(
            url("https://api.softlayer.com/rest/v3"),
            "https://api.softlayer.com/rest/v3/"
        );
    }

    /// Plain HTTP is allowed only for loopback hosts.
    #[test]
    fn http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080/rest/v3.1/",
            "http://127.9.9.9/rest/v3.1/",
            "http://localhost:1/rest/v3.1/",
            "http://LOCALHOST/rest/v3.1/",
            "http://[::1]:8080/rest/v3.1/",
        ] {
            let endpoint = parse(ok).unwrap();
            assert!(endpoint.loopback, "{ok}");
        }
        for refused in [
            "http://api.softlayer.com/rest/v3.1/",
            "http://10.0.0.1/rest/v3.1/",
            "http://128.0.0.1/rest/v3.1/",
        ] {
            assert!(
                parse(refused).unwrap_err().contains("loopback"),
                "{refused}"
            );
        }
        assert!(!parse(DEFAULT_ENDPOINT).unwrap().loopback);
    }

    /// Malformed URLs and URLs carrying credentials are refused.
    #[test]
    fn malformed_urls_are_refused() {
        assert!(parse("api.softlayer.com/rest/v3.1").is_err());
        assert!(parse("https://api.softlayer.com/rest/v3.1/?x=1").is_err());
        let err = parse("https://user:secretkey@api.softlayer.com/rest/v3.1/").unwrap_err();
        assert!(!err.contains("secretkey"));
        let refused = |raw: &str, needle: &str| {
            let err = parse(raw).expect_err(raw);
            assert!(err.contains(needle), "{raw}: {err}");
        };
        refused("", "empty");
        refused("https:///rest/v3.1/", "no host");
        refused("https://", "no host");
        refused("https://:443/rest/v3.1/", "no host");
        refused(
            "https://api.softlayer.com:abc/",
            "invalid port: not a number",
        );
        assert!(
            !parse("https://user:s3cret/rest")
                .unwrap_err()
                .contains("s3cret")
        );
        refused("https://api.softlayer.com:0/", "invalid port `0`");
        refused("https://api.softlayer.com:65536/", "1 to 65535");
        refused("https://api.softlayer.com:99999999999/", "1 to 65535");
        refused("https://api.softlayer.com:-1/", "invalid port");
        refused("https://api.softlayer.com:/", "no port number");
        refused("https://[::1/rest/v3.1/", "unbalanced");
        refused("https://::1]/rest/v3.1/", "unbalanced");
        refused("https://[::1]x/rest/v3.1/", "after the `]`");
        refused("https://[not-v6]/", "not an IPv6 address");
        refused("https://::1/rest/v3.1/", "in brackets");
        refused("ftp://api.softlayer.com/", "unsupported scheme `ftp`");
        refused("file:///etc/passwd", "unsupported scheme `file`");
        refused("HTTPX://api.softlayer.com/", "unsupported scheme");
        refused("https://api soft.com/", "spaces");
        refused(
            "https://api.softlayer.com/a\u{1b}[31m/",
            "control characters",
        );
        refused("https://bad!host/", "invalid host name");
        assert_eq!(
            url("https://api.softlayer.com:443/rest/v3.1"),
            "https://api.softlayer.com:443/rest/v3.1/"
        );
        assert_eq!(
            url("https://[2001:db8::1]:8443/rest/v3.1/"),
            "https://[2001:db8::1]:8443/rest/v3.1/"
        );
    }

    /// User-info, query and fragment never survive redaction, valid URL or not.
    #[test]
    fn redact_hides_secrets() {
        assert_eq!(
            redact("https://user:s3cret@api.softlayer.com/rest/v3.1/"),
            "https://***@api.softlayer.com/rest/v3.1/"
        );
        assert_eq!(
            redact("https://api.softlayer.com/rest?token=s3cret#frag"),
            "https://api.softlayer.com/rest?***#***"
        );
        assert_eq!(redact("https://h/p#s3cret"), "https://h/p#***");
        // A key holding `/`, `?`, `#` or `@` is still cut off at the last `@`.
        for raw in [
            "https://u:s3/cret@host/",
            "https://u:s3?cret@host/",
            "https://u:s3#cret@host/",
            "https://u:s3@cret@host/",
            "u:s3cret@host/rest",
            "//u:s3cret@host/rest",
            "https:/u:s3cret@host/",
        ] {
            let shown = redact(raw);
            assert!(
                !shown.contains("s3") && !shown.contains("cret"),
                "{raw} -> {shown}"
            );
            assert!(shown.contains("***@"), "{raw} -> {shown}");
        }
        assert_eq!(redact("https://user:s3cret/rest"), "https://user:***/rest");
        assert_eq!(
            redact("https://[::1]:s3cret/rest"),
            "https://[::1]:***/rest"
        );
        assert_eq!(
            redact("https://[::1]:8080/rest/v3.1/"),
            "https://[::1]:8080/rest/v3.1/"
        );
        assert_eq!(redact("https://h:443/a:b"), "https://h:443/a:b");
        assert_eq!(redact(DEFAULT_ENDPOINT), DEFAULT_ENDPOINT);
        assert_eq!(redact("/relative/path"), "/relative/path");
        assert_eq!(redact("https://h/\u{1b}[2J"), "https://h/\\u{1b}[2J");
    }

    /// A path without /rest or /xmlrpc is kept as given (e.g. behind a gateway).
    #[test]
    fn other_paths_are_kept() {
        assert_eq!(
            url("https://gateway.example.com/softlayer"),
            "https://gateway.example.com/softlayer/"
        );
        assert_eq!(
            url("https://gateway.example.com"),
            "https://gateway.example.com/"
        );
    }
}
