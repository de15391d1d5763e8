//! A raw HTTP/1.1 client and a small world for the tests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use softlayer_emulator::{Config, Emulator, World};

/// The fixed clock of the tests.
pub(crate) const NOW: &str = "2026-11-15T12:00:00-06:00";
/// Credentials the test world accepts.
pub(crate) const USER: (&str, &str) = ("SL278184", "secret-key");

/// A parsed HTTP response.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) text: String,
}

impl Resp {
    /// A header value (case-insensitive name).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The `error` text of an error body.
    pub(crate) fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
}

/// host:port of an emulator.
pub(crate) fn authority(emu: &Emulator) -> String {
    let url = emu.base_url();
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Sends one request and reads the whole response (Connection: close).
pub(crate) fn raw(
    emu: &Emulator,
    method: &str,
    target: &str,
    auth: Option<(&str, &str)>,
    body: Option<&str>,
) -> Resp {
    let mut stream = TcpStream::connect(authority(emu)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\n",
        authority(emu)
    );
    if let Some((u, k)) = auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{k}"));
        req.push_str(&format!("Authorization: Basic {token}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method == "POST" || method == "PUT" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    parse(&bytes)
}

/// Sends `request` (a whole HTTP/1.1 request; `{authority}` is replaced by
/// the emulator's) as written and reads the whole response.
pub(crate) fn send_raw(emu: &Emulator, request: &str) -> Resp {
    let mut stream = TcpStream::connect(authority(emu)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = request.replace("{authority}", &authority(emu));
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    parse(&bytes)
}

/// Sends `bytes` as they are (no newline added) on a new connection and
/// reads until the emulator closes it.
pub(crate) fn send_bytes(emu: &Emulator, bytes: &[u8]) -> Resp {
    let mut stream = TcpStream::connect(authority(emu)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).unwrap();
    parse(&out)
}

fn parse(bytes: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Resp {
        status,
        headers,
        text: body.to_owned(),
    }
}

/// GET `/rest/v3.1/{path}` with the test credentials.
pub(crate) fn get(emu: &Emulator, path: &str) -> Resp {
    raw(emu, "GET", &format!("/rest/v3.1/{path}"), Some(USER), None)
}

/// POST `/rest/v3.1/{path}` with `{"parameters": params}`.
pub(crate) fn post(emu: &Emulator, path: &str, params: Value) -> Resp {
    let mut envelope = serde_json::Map::new();
    envelope.insert("parameters".into(), params);
    let body = Value::Object(envelope).to_string();
    raw(
        emu,
        "POST",
        &format!("/rest/v3.1/{path}"),
        Some(USER),
        Some(&body),
    )
}

/// Percent-encodes a query value the way the SDK does (form style).
pub(crate) fn q(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The current world of an emulator, over HTTP.
pub(crate) fn world(emu: &Emulator) -> Value {
    raw(emu, "GET", "/__emulator/world", None, None).json()
}

/// The object with `id` in the world list `key`.
pub(crate) fn find(world: &Value, key: &str, id: i64) -> Option<Value> {
    world[key]
        .as_array()?
        .iter()
        .find(|o| o["id"] == id)
        .cloned()
}

/// The fixed-clock configuration of the tests.
pub(crate) fn config() -> Config {
    Config {
        now: Some(NOW.parse().unwrap()),
        ..Config::default()
    }
}

/// Starts an emulator on the test world.
pub(crate) fn start(config: Config) -> Emulator {
    start_world(&test_world(), config)
}

/// Starts an emulator on `world`.
pub(crate) fn start_world(world: &Value, config: Config) -> Emulator {
    let world = World::from_json_str(&world.to_string()).unwrap();
    Emulator::start(world, config, "127.0.0.1:0").unwrap()
}

fn item(id: i64, category: &str, fee: &str, hourly: bool) -> Value {
    json!({
        "id": id, "categoryCode": category, "description": category, "recurringFee": fee,
        "hourlyFlag": hourly, "createDate": "2025-01-01T00:00:00-06:00",
        "nextBillDate": "2026-12-01T00:00:00-06:00", "allowCancellationFlag": 1
    })
}

fn guest(id: i64, host: &str, ip: &str, backend: &str, vlans: &[i64], tags: &[&str]) -> Value {
    let mut billing = item(id * 10, "guest_core", "0", true);
    billing["children"] =
        json!([{"id": id * 10 + 1, "categoryCode": "ram", "recurringFee": "5.00"}]);
    json!({
        "id": id, "hostname": host, "domain": "example.com",
        "createDate": "2026-01-01T00:00:00-06:00", "hourlyBillingFlag": true,
        "primaryIpAddress": ip, "primaryBackendIpAddress": backend,
        "datacenter": {"id": 1, "name": if id % 2 == 0 { "dal10" } else { "dal13" }},
        "tagReferences": tags.iter().map(|t| json!({"tag": {"name": t}})).collect::<Vec<_>>(),
        "networkVlans": vlans.iter().map(|v| json!({"id": v})).collect::<Vec<_>>(),
        "billingItem": billing,
    })
}

/// A small account with one of everything the tests need.
pub(crate) fn test_world() -> Value {
    let mut requests_items = Vec::new();
    for i in 0..30 {
        requests_items.push(item(7_000 + i, "software_license", "1.00", false));
    }
    requests_items.push(json!({"id": 9_001, "categoryCode": "software_license", "recurringFee": "3.00", "allowCancellationFlag": 0}));
    requests_items.push(json!({"id": 9_002, "categoryCode": "static_sec_ip_addresses", "recurringFee": "8.00", "associatedBillingItemId": "2010"}));
    let mut monthly = item(2010, "server", "899.00", false);
    monthly["children"] = json!([{"id": 2011, "categoryCode": "ram", "recurringFee": "50.00"}]);
    json!({
        "format": "slretire-world/1",
        "account": {"id": 278184, "companyName": "Example Corp", "email": "ops@example.com"},
        "users": [{"id": 7001, "username": USER.0, "apiKey": USER.1, "firstName": "Ada", "lastName": "Ops"}],
        "virtualGuests": [
            guest(101, "ci-runner-01", "169.45.1.10", "10.0.0.10", &[11, 12], &["ephemeral", "ci"]),
            guest(102, "ci-runner-02", "169.45.1.11", "10.0.0.11", &[11, 12], &["ephemeral"]),
            guest(103, "web-01", "169.45.1.12", "10.0.0.12", &[11, 12], &["keep"]),
            guest(104, "web-02", "169.45.1.13", "10.0.0.13", &[11, 12], &[]),
            guest(105, "db-01", "169.45.1.14", "10.0.0.14", &[11, 12], &[]),
            json!({"id": 106, "hostname": "dh-guest", "domain": "example.com", "dedicatedHost": {"id": 41},
                   "billingItem": item(1060, "guest_core", "30.00", false)}),
        ],
        "hardware": [
            {"id": 201, "hostname": "db-old-01", "domain": "example.com", "hourlyBillingFlag": false,
             "primaryIpAddress": "169.45.2.20", "primaryBackendIpAddress": "10.0.0.132",
             "networkVlans": [{"id": 13}], "billingItem": monthly},
            {"id": 202, "hostname": "batch-01", "domain": "example.com", "hourlyBillingFlag": true,
             "primaryBackendIpAddress": "10.0.0.133", "networkVlans": [{"id": 13}],
             "billingItem": item(2020, "server", "0", true)},
        ],
        "networkStorage": [
            {"id": 301, "username": "SL01SEL1-1", "nasType": "ISCSI", "capacityGb": 500,
             "billingItem": {"id": 3010, "categoryCode": "storage_service_enterprise", "recurringFee": "120.00",
                             "nextBillDate": "2026-12-01T00:00:00-06:00",
                             "activeChildren": [{"id": 3011, "categoryCode": "storage_snapshot_space", "recurringFee": "9.00"}]}},
        ],
        "subnets": [
            {"id": 401, "networkIdentifier": "10.0.0.0", "cidr": 24, "subnetType": "PRIMARY", "networkVlan": {"id": 12}},
            {"id": 402, "networkIdentifier": "10.1.0.0", "cidr": 28, "subnetType": "SECONDARY_ON_VLAN",
             "networkVlan": {"id": 12}, "billingItem": item(4020, "sov_sec_ip_addresses_priv", "0", false)},
            {"id": 403, "networkIdentifier": "169.1.2.3", "cidr": 32, "subnetType": "GLOBAL_IP"},
        ],
        "networkVlans": [
            {"id": 11, "vlanNumber": 1100, "networkSpace": "PUBLIC", "primaryRouter": {"hostname": "fcr01a.dal13", "datacenter": {"name": "dal13"}},
             "billingItem": item(1100, "network_vlan", "25.00", false)},
            {"id": 12, "vlanNumber": 1101, "networkSpace": "PRIVATE", "primaryRouter": {"hostname": "bcr01a.dal13"},
             "billingItem": item(1200, "network_vlan", "25.00", false)},
            {"id": 13, "vlanNumber": 1102, "networkSpace": "PRIVATE", "primaryRouter": {"hostname": "bcr01a.dal13"}},
            {"id": 14, "vlanNumber": 1103, "networkSpace": "PRIVATE", "primaryRouter": {"hostname": "bcr01a.dal10"},
             "billingItem": item(1400, "network_vlan", "25.00", false)},
        ],
        "globalIpRecords": [
            {"id": 501, "ipAddress": {"ipAddress": "169.1.2.3"}, "destinationIpAddress": {"ipAddress": "169.45.1.10"},
             "billingItem": item(5010, "global_ipv4", "4.00", false)},
        ],
        "lbaasLoadBalancers": [
            {"id": 601, "uuid": "1a1aa111-4474-4e16-9f02-4de959229b85", "name": "web-lb", "provisioningStatus": "ACTIVE",
             "operatingStatus": "ONLINE", "datacenter": {"name": "dal10"}},
        ],
        "dedicatedHosts": [
            {"id": 41, "name": "dh-old-01", "cpuCount": 56, "billingItem": item(4100, "dedicated_virtual_hosts", "2100.00", false)},
            {"id": 42, "name": "dh-old-02", "cpuCount": 56, "billingItem": item(4200, "dedicated_virtual_hosts", "2100.00", false)},
        ],
        "allTopLevelBillingItems": requests_items,
    })
}
