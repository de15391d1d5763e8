//! Which URL the client talks to: validated, mapped from XML-RPC to REST,
//! and plain HTTP only on loopback.

use std::net::{IpAddr, Ipv6Addr};

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
    let (scheme, rest) = raw
        .split_once("://")
        .ok_or_else(|| "not an absolute URL (expected https://host/rest/v3.1/)".to_string())?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(format!("unsupported scheme `{scheme}` (expected https)"));
    }
    if rest.contains(['?', '#']) {
        return Err("an endpoint cannot carry a query or fragment".into());
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    if authority.contains('@') {
        // Credentials in a URL end up in logs and error messages.
        return Err("credentials in the URL are not accepted; use SL_USERNAME/SL_API_KEY".into());
    }
    let host = host_of(authority).ok_or_else(|| "no host in the URL".to_string())?;
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

/// The host of `host[:port]` or `[v6]:port`, without brackets or port.
fn host_of(authority: &str) -> Option<&str> {
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next()?
    } else {
        authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host)
    };
    (!host.is_empty()).then_some(host)
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
        assert!(parse("ftp://api.softlayer.com/").is_err());
        assert!(parse("https:///rest/v3.1/").is_err());
        assert!(parse("https://api.softlayer.com/rest/v3.1/?x=1").is_err());
        let err = parse("https://user:secretkey@api.softlayer.com/rest/v3.1/").unwrap_err();
        assert!(!err.contains("secretkey"));
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
