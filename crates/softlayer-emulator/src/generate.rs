//! A deterministic generator of realistic worlds for tests and benchmarks:
//! about `n` objects across every kind of the world format, reproducible
//! from a seed.
//!
//! Shape: guests (mostly hourly) and servers (mostly monthly) sit on a
//! public and a private VLAN of their datacenter and take their addresses
//! from the VLAN's primary subnet; some guests live on dedicated hosts;
//! VLANs are mostly automatic (no billing item); portable subnets, global
//! IPs, storage, legacy and LBaaS load balancers and free standing billing
//! items complete the account. No CDN: today's API has none (the CDN
//! Marketplace services left it after 2024-06). Dates spread over three
//! years before 2026-11-01.

// Counts and indexes here are bounded by the size asked for (at most a few
// million objects), far inside every integer type they are cast to.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    reason = "generated sizes are bounded"
)]

use serde_json::{Map, Value, json};

use crate::dates::{add_days, format_ts, parse_ts};
use crate::faults::SplitMix64;

const ACCOUNT_ID: i64 = 278_184;
/// The moment generated worlds describe: after their last bill date
/// (2026-11-01), before their next one (2026-12-01).
const CLOCK: &str = "2026-11-22T12:00:00Z";
/// The cancellation date of generated pending cancellations: the next
/// anniversary after the clock.
const PENDING_CANCELLATION: &str = "2026-12-01T00:00:00-06:00";

const DATACENTERS: [(i64, &str, &str); 12] = [
    (1_854_895, "dal10", "Dallas 10"),
    (1_004_997, "dal12", "Dallas 12"),
    (1_854_895 + 13, "dal13", "Dallas 13"),
    (2_017_603, "wdc04", "Washington 4"),
    (1_441_195, "wdc07", "Washington 7"),
    (1_004_995, "sjc03", "San Jose 3"),
    (448_994, "tor01", "Toronto 1"),
    (814_994, "lon04", "London 4"),
    (449_506, "fra02", "Frankfurt 2"),
    (265_592, "ams03", "Amsterdam 3"),
    (449_612, "tok02", "Tokyo 2"),
    (449_596, "syd04", "Sydney 4"),
];

const PREFIXES: [&str; 9] = [
    "ci-runner-",
    "web-",
    "db-",
    "batch-",
    "api-",
    "worker-",
    "cache-",
    "k8s-node-",
    "test-",
];

const DOMAINS: [&str; 3] = ["example.com", "corp.example.net", "dev.example.io"];

const TAGS: [&str; 10] = [
    "ephemeral",
    "ci",
    "prod",
    "staging",
    "dev",
    "team-a",
    "team-b",
    "keep",
    "batch",
    "legacy",
];

/// Builds a world of about `objects` objects from `seed`.
pub fn generate_world(objects: usize, seed: u64) -> Value {
    Generator::new(objects.max(10), seed).run()
}

struct Vlan {
    id: i64,
    dc: usize,
    public: bool,
    /// Next host number in the primary subnet (2..=254).
    next_host: u32,
    /// First address of the primary /24 (as u32).
    network: u32,
}

struct Generator {
    n: usize,
    rng: SplitMix64,
    next_billing: i64,
    vlans: Vec<Vlan>,
    /// VLAN indexes by datacenter and space (`dc * 2 + public`).
    pools: Vec<Vec<usize>>,
    subnets: Vec<Value>,
    next_subnet_id: i64,
    secondary_public: u32,
    next_tag_reference: i64,
    secondary_private: u32,
    base: jiff::Timestamp,
}

fn share(n: usize, percent: usize) -> usize {
    (n * percent / 100).max(1)
}

fn ip(a: u32) -> String {
    std::net::Ipv4Addr::from(a).to_string()
}

impl Generator {
    fn new(n: usize, seed: u64) -> Generator {
        Generator {
            n,
            rng: SplitMix64::new(seed),
            next_billing: 500_000_001,
            vlans: Vec::new(),
            pools: vec![Vec::new(); DATACENTERS.len() * 2],
            subnets: Vec::new(),
            next_subnet_id: 1_500_001,
            next_tag_reference: 70_000_001,
            secondary_public: u32::from(std::net::Ipv4Addr::new(161, 202, 0, 0)),
            secondary_private: u32::from(std::net::Ipv4Addr::new(10, 200, 0, 0)),
            base: parse_ts("2026-11-01T00:00:00-06:00").unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % (n.max(1) as u64)) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rng.next_u64() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn billing_id(&mut self) -> i64 {
        let id = self.next_billing;
        self.next_billing += 1;
        id
    }

    /// A creation date within the last three years.
    fn created(&mut self) -> jiff::Timestamp {
        let days = self.below(3 * 365) as i64 + 1;
        let secs = self.below(86_400) as i64;
        add_days(self.base, -days)
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap_or(self.base)
    }

    fn location(dc: usize) -> Value {
        let (id, name, long) = DATACENTERS[dc];
        json!({"id": id, "name": name, "longName": long})
    }

    /// 0-3 tag references from the vocabulary, in the API's full shape.
    fn tags(&mut self, resource: i64, tag_type: (i64, &str)) -> Value {
        let count = self.below(4);
        let mut chosen: Vec<usize> = Vec::new();
        for _ in 0..count {
            let t = self.below(TAGS.len());
            if !chosen.contains(&t) {
                chosen.push(t);
            }
        }
        chosen.sort_unstable();
        Value::Array(
            chosen
                .into_iter()
                .map(|t| {
                    let reference = self.next_tag_reference;
                    self.next_tag_reference += 1;
                    json!({
                        "id": reference,
                        "tagId": 1_000 + t as i64,
                        "resourceTableId": resource,
                        "tagTypeId": tag_type.0,
                        "tag": {"id": 1_000 + t as i64, "name": TAGS[t], "accountId": ACCOUNT_ID},
                        "tagType": {"keyName": tag_type.1, "description": tag_type.1},
                    })
                })
                .collect(),
        )
    }

    fn uuid(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0x3fff | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// A billing item; `hourly` items carry an hourly rate, monthly ones a
    /// recurring fee. Children are added by the caller.
    fn item(
        &mut self,
        category: &str,
        description: &str,
        fee: f64,
        hourly: bool,
        created: jiff::Timestamp,
        dc: usize,
    ) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), Value::from(self.billing_id()));
        m.insert("categoryCode".into(), Value::from(category));
        m.insert("description".into(), Value::from(description));
        if hourly {
            m.insert("recurringFee".into(), Value::from("0"));
            m.insert(
                "hourlyRecurringFee".into(),
                Value::from(format!("{:.3}", fee / 730.0)),
            );
        } else {
            m.insert("recurringFee".into(), Value::from(format!("{fee:.2}")));
        }
        m.insert("hourlyFlag".into(), Value::from(hourly));
        m.insert("createDate".into(), Value::from(format_ts(created)));
        m.insert(
            "cycleStartDate".into(),
            Value::from("2026-10-01T00:00:00-06:00"),
        );
        m.insert(
            "lastBillDate".into(),
            Value::from("2026-10-01T00:00:00-06:00"),
        );
        m.insert(
            "nextBillDate".into(),
            Value::from("2026-12-01T00:00:00-06:00"),
        );
        m.insert("allowCancellationFlag".into(), Value::from(1));
        m.insert("location".into(), Self::location(dc));
        m
    }

    fn child(
        &mut self,
        category: &str,
        description: &str,
        fee: f64,
        hourly: bool,
        created: jiff::Timestamp,
        dc: usize,
    ) -> Value {
        let mut c = self.item(category, description, fee, hourly, created, dc);
        // Children carry their fees; dates and flags follow the parent.
        for key in [
            "location",
            "hourlyFlag",
            "cycleStartDate",
            "lastBillDate",
            "nextBillDate",
            "allowCancellationFlag",
        ] {
            c.remove(key);
        }
        Value::Object(c)
    }

    fn run(mut self) -> Value {
        let n = self.n;
        let guest_count = share(n, 42);
        let hardware_count = share(n, 7);
        let storage_count = share(n, 9);
        let vlan_count = share(n, 8).max(2 * DATACENTERS.len().min(n / 5).max(1));
        let secondary_count = share(n, 4);
        let global_count = share(n, 3);
        let adc_count = share(n, 1);
        let lbaas_count = share(n, 2);
        let host_count = share(n, 2);
        let free_count = share(n, 3);

        let vlans = self.vlans(vlan_count);
        let hosts = self.hosts(host_count);
        let host_ids: Vec<(i64, usize)> = hosts
            .iter()
            .filter_map(|h| Some((h["id"].as_i64()?, dc_index(&h["datacenter"]["name"]))))
            .collect();
        let guests = self.guests(guest_count, &host_ids);
        let hardware = self.hardware(hardware_count);
        self.secondary_subnets(secondary_count);
        let guest_ips: Vec<String> = guests
            .iter()
            .filter_map(|g| g["primaryIpAddress"].as_str().map(str::to_owned))
            .collect();
        let globals = self.global_ips(global_count, &guest_ips);
        let storage = self.storage(storage_count);
        let adc = self.adc(adc_count);
        let lbaas = self.lbaas(lbaas_count);
        let server_items: Vec<i64> = hardware
            .iter()
            .filter_map(|h| h["billingItem"]["id"].as_i64())
            .collect();
        let free = self.free_items(free_count, &server_items);
        let subnets = std::mem::take(&mut self.subnets);
        // Moved, not passed to json!: the macro would deep-copy every list
        // through serialization.
        let mut doc = Map::new();
        doc.insert("format".into(), Value::from("slretire-world/1"));
        // The dates below are fixed (reproducible worlds), so the world names
        // the moment they describe: served, it does not age.
        doc.insert("clock".into(), Value::from(CLOCK));
        doc.insert(
            "account".into(),
            json!({"id": ACCOUNT_ID, "companyName": "Example Corp", "email": "ops@example.com"}),
        );
        for (key, list) in [
            ("virtualGuests", guests),
            ("hardware", hardware),
            ("networkStorage", storage),
            ("subnets", subnets),
            ("networkVlans", vlans),
            ("globalIpRecords", globals),
            ("adcLoadBalancers", adc),
            ("lbaasLoadBalancers", lbaas),
            ("dedicatedHosts", hosts),
            ("allTopLevelBillingItems", free),
            ("tickets", Vec::new()),
        ] {
            doc.insert(key.into(), Value::Array(list));
        }
        Value::Object(doc)
    }

    fn vlans(&mut self, count: usize) -> Vec<Value> {
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let dc = i % DATACENTERS.len();
            let public = (i / DATACENTERS.len()).is_multiple_of(2);
            let id = 2_000_001 + i as i64;
            let (_, dc_name, _) = DATACENTERS[dc];
            let router = if public {
                format!("fcr01a.{dc_name}")
            } else {
                format!("bcr01a.{dc_name}")
            };
            let number = 800 + (i / (2 * DATACENTERS.len())) as i64;
            // Primary /24: public 169.32.0.0 upwards, private 10.0.0.0 upwards.
            let k = i as u32;
            let network = if public {
                u32::from(std::net::Ipv4Addr::new(169, 32, 0, 0)) + (k << 8)
            } else {
                u32::from(std::net::Ipv4Addr::new(10, 0, 0, 0)) + (k << 8)
            };
            let created = self.created();
            let mut v = Map::new();
            v.insert("id".into(), Value::from(id));
            v.insert("vlanNumber".into(), Value::from(number));
            v.insert(
                "networkSpace".into(),
                Value::from(if public { "PUBLIC" } else { "PRIVATE" }),
            );
            // A VLAN has no createDate in the API: its age is its billing
            // item's (`created` still dates that item).
            if self.chance(40) {
                let prefix = self.pick(&PREFIXES).trim_end_matches('-');
                v.insert(
                    "name".into(),
                    Value::from(format!("{prefix}-{}", if public { "pub" } else { "priv" })),
                );
            }
            v.insert(
                "primaryRouter".into(),
                json!({"id": 900_000 + (dc as i64) * 2 + i64::from(!public), "hostname": router, "datacenter": {"name": dc_name}}),
            );
            v.insert("datacenter".into(), Self::location(dc));
            let tags = self.tags(id, (4, "NETWORK_VLAN"));
            if tags.as_array().is_some_and(|t| !t.is_empty()) {
                v.insert("tagReferences".into(), tags);
            }
            if self.chance(30) {
                let item = self.item(
                    "network_vlan",
                    if public {
                        "Public Network Vlan"
                    } else {
                        "Private Network Vlan"
                    },
                    25.0,
                    false,
                    created,
                    dc,
                );
                v.insert("billingItem".into(), Value::Object(item));
            }
            let subnet_id = self.next_subnet_id;
            self.next_subnet_id += 1;
            self.subnets.push(json!({
                "id": subnet_id,
                "networkIdentifier": ip(network),
                "cidr": 24,
                "subnetType": "PRIMARY",
                "version": 4,
                "addressSpace": if public { "PUBLIC" } else { "PRIVATE" },
                "gateway": ip(network + 1),
                "networkVlan": {"id": id},
                "datacenter": Self::location(dc),
            }));
            self.pools[dc * 2 + usize::from(public)].push(self.vlans.len());
            self.vlans.push(Vlan {
                id,
                dc,
                public,
                next_host: 2,
                network,
            });
            out.push(Value::Object(v));
        }
        out
    }

    /// An address on a VLAN of `dc` in the given space, with the VLAN id.
    fn address(&mut self, dc: usize, public: bool) -> Option<(i64, String)> {
        let slot = dc * 2 + usize::from(public);
        loop {
            let len = self.pools.get(slot).map_or(0, Vec::len);
            if len == 0 {
                return None;
            }
            // Skew towards the first VLANs of a datacenter, as real accounts
            // fill a few VLANs and leave others nearly empty.
            let a = self.below(len);
            let b = self.below(len);
            let pick = a.min(b);
            let v = &mut self.vlans[self.pools[slot][pick]];
            if v.next_host >= 255 {
                self.pools[slot].remove(pick);
                continue;
            }
            let addr = v.network + v.next_host;
            v.next_host += 1;
            return Some((v.id, ip(addr)));
        }
    }

    fn guests(&mut self, count: usize, hosts: &[(i64, usize)]) -> Vec<Value> {
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let mut dc = self.below(DATACENTERS.len());
            let on_host = !hosts.is_empty() && self.chance(5);
            let host = if on_host {
                let h = *self.pick(hosts);
                dc = h.1;
                Some(h.0)
            } else {
                None
            };
            let prefix = *self.pick(&PREFIXES);
            let domain = *self.pick(&DOMAINS);
            let hourly = self.chance(80);
            let created = self.created();
            let cpus = *self.pick(&[1i64, 2, 4, 8, 16]);
            let memory = cpus * *self.pick(&[1024i64, 2048, 4096]);
            let mut g = Map::new();
            g.insert("id".into(), Value::from(10_000_001 + i as i64));
            g.insert(
                "hostname".into(),
                Value::from(format!("{prefix}{:05}", i + 1)),
            );
            g.insert("domain".into(), Value::from(domain));
            g.insert("createDate".into(), Value::from(format_ts(created)));
            g.insert("modifyDate".into(), Value::from(format_ts(created)));
            g.insert(
                "provisionDate".into(),
                Value::from(format_ts(add_days(created, 0))),
            );
            g.insert("maxCpu".into(), Value::from(cpus));
            g.insert("startCpus".into(), Value::from(cpus));
            g.insert("maxMemory".into(), Value::from(memory));
            g.insert("globalIdentifier".into(), Value::from(self.uuid()));
            g.insert("accountId".into(), Value::from(ACCOUNT_ID));
            g.insert("hourlyBillingFlag".into(), Value::from(hourly));
            g.insert("datacenter".into(), Self::location(dc));
            g.insert(
                "status".into(),
                json!({"keyName": "ACTIVE", "name": "Active"}),
            );
            g.insert(
                "powerState".into(),
                json!({"keyName": "RUNNING", "name": "Running"}),
            );
            let tags = self.tags(10_000_001 + i as i64, (2, "GUEST"));
            if tags.as_array().is_some_and(|t| !t.is_empty()) {
                g.insert("tagReferences".into(), tags);
            }
            let mut vlans = Vec::new();
            if let Some((v, a)) = self.address(dc, true) {
                vlans.push(json!({"id": v}));
                g.insert("primaryIpAddress".into(), Value::from(a));
            }
            if let Some((v, a)) = self.address(dc, false) {
                vlans.push(json!({"id": v}));
                g.insert("primaryBackendIpAddress".into(), Value::from(a));
            }
            if !vlans.is_empty() {
                g.insert("networkVlans".into(), Value::Array(vlans));
            }
            if let Some(h) = host {
                g.insert("dedicatedHost".into(), json!({"id": h}));
                g.insert("dedicatedAccountHostOnlyFlag".into(), Value::from(true));
            }
            let fee = cpus as f64 * 22.5;
            let mut item = self.item(
                "guest_core",
                &format!("{cpus} x 2.0 GHz or higher Cores"),
                fee,
                hourly,
                created,
                dc,
            );
            item.insert(
                "hostName".into(),
                Value::from(format!("{prefix}{:05}", i + 1)),
            );
            item.insert("domainName".into(), Value::from(domain));
            let children = vec![
                self.child(
                    "ram",
                    &format!("{} GB", memory / 1024),
                    memory as f64 / 1024.0 * 8.0,
                    hourly,
                    created,
                    dc,
                ),
                self.child("guest_disk0", "25 GB (SAN)", 0.0, hourly, created, dc),
                self.child(
                    "os",
                    "Ubuntu Linux 22.04 LTS (64 bit)",
                    0.0,
                    hourly,
                    created,
                    dc,
                ),
            ];
            item.insert("children".into(), Value::Array(children));
            if self.chance(2) {
                // A pending cancellation on the next anniversary: pending at
                // the world's CLOCK, which is where serving it starts.
                item.insert("cancellationDate".into(), Value::from(PENDING_CANCELLATION));
            }
            g.insert("billingItem".into(), Value::Object(item));
            out.push(Value::Object(g));
        }
        out
    }

    fn hardware(&mut self, count: usize) -> Vec<Value> {
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let dc = self.below(DATACENTERS.len());
            let prefix = *self.pick(&["db-", "web-", "batch-", "ci-runner-", "storage-"]);
            let domain = *self.pick(&DOMAINS);
            let hourly = self.chance(30);
            let created = self.created();
            let hostname = format!("{prefix}bm-{:04}", i + 1);
            let mut h = Map::new();
            h.insert("id".into(), Value::from(1_000_001 + i as i64));
            h.insert("hostname".into(), Value::from(hostname.clone()));
            h.insert("domain".into(), Value::from(domain));
            h.insert("provisionDate".into(), Value::from(format_ts(created)));
            h.insert(
                "serialNumber".into(),
                Value::from(format!("SL{:08}", 31_000_000 + i)),
            );
            h.insert("globalIdentifier".into(), Value::from(self.uuid()));
            h.insert(
                "bareMetalInstanceFlag".into(),
                Value::from(i64::from(hourly)),
            );
            h.insert("hardwareStatusId".into(), Value::from(5));
            h.insert(
                "hardwareStatus".into(),
                json!({"id": 5, "status": "ACTIVE"}),
            );
            h.insert("accountId".into(), Value::from(ACCOUNT_ID));
            h.insert("hourlyBillingFlag".into(), Value::from(hourly));
            h.insert("datacenter".into(), Self::location(dc));
            let tags = self.tags(1_000_001 + i as i64, (1, "HARDWARE"));
            if tags.as_array().is_some_and(|t| !t.is_empty()) {
                h.insert("tagReferences".into(), tags);
            }
            let mut vlans = Vec::new();
            if let Some((v, a)) = self.address(dc, true) {
                vlans.push(json!({"id": v}));
                h.insert("primaryIpAddress".into(), Value::from(a));
            }
            if let Some((v, a)) = self.address(dc, false) {
                vlans.push(json!({"id": v}));
                h.insert("primaryBackendIpAddress".into(), Value::from(a));
            }
            if !vlans.is_empty() {
                h.insert("networkVlans".into(), Value::Array(vlans));
            }
            if self.chance(2) {
                h.insert(
                    "activeTransaction".into(),
                    json!({"id": 700_000 + i as i64, "transactionStatus": {"name": "OS_RELOAD", "friendlyName": "Reloading the OS"}}),
                );
            }
            let fee = *self.pick(&[899.0, 1250.0, 1840.0, 2400.0]);
            let mut item = self.item(
                "server",
                "Dual Intel Xeon Silver 4210 (20 Cores, 2.20 GHz)",
                fee,
                hourly,
                created,
                dc,
            );
            item.insert("hostName".into(), Value::from(hostname));
            item.insert("domainName".into(), Value::from(domain));
            let children = vec![
                self.child("ram", "64 GB RAM", 0.0, hourly, created, dc),
                self.child("disk0", "960 GB SSD", 40.0, hourly, created, dc),
                self.child(
                    "port_speed",
                    "1 Gbps Public & Private Network Uplinks",
                    0.0,
                    hourly,
                    created,
                    dc,
                ),
            ];
            item.insert("children".into(), Value::Array(children));
            h.insert("billingItem".into(), Value::Object(item));
            out.push(Value::Object(h));
        }
        out
    }

    fn secondary_subnets(&mut self, count: usize) {
        for _ in 0..count {
            if self.vlans.is_empty() {
                return;
            }
            let v = self.below(self.vlans.len());
            let (vlan_id, dc, public) = (self.vlans[v].id, self.vlans[v].dc, self.vlans[v].public);
            let cidr = *self.pick(&[28u32, 29, 30]);
            let size = 1u32 << (32 - cidr);
            let cursor = if public {
                &mut self.secondary_public
            } else {
                &mut self.secondary_private
            };
            let network = *cursor;
            *cursor += size.max(16);
            let created = self.created();
            let id = self.next_subnet_id;
            self.next_subnet_id += 1;
            let category = if public {
                "sov_sec_ip_addresses_pub"
            } else {
                "sov_sec_ip_addresses_priv"
            };
            let usable = size.saturating_sub(3);
            let item = self.item(
                category,
                &format!(
                    "{usable} Portable {} IP Addresses",
                    if public { "Public" } else { "Private" }
                ),
                f64::from(size) * 0.5,
                false,
                created,
                dc,
            );
            let mut s = Map::new();
            s.insert("id".into(), Value::from(id));
            s.insert("networkIdentifier".into(), Value::from(ip(network)));
            s.insert("cidr".into(), Value::from(cidr));
            s.insert("subnetType".into(), Value::from("SECONDARY_ON_VLAN"));
            s.insert("version".into(), Value::from(4));
            s.insert(
                "addressSpace".into(),
                Value::from(if public { "PUBLIC" } else { "PRIVATE" }),
            );
            s.insert("gateway".into(), Value::from(ip(network + 1)));
            s.insert("networkVlan".into(), json!({"id": vlan_id}));
            s.insert("datacenter".into(), Self::location(dc));
            let tags = self.tags(id, (6, "NETWORK_SUBNET"));
            if tags.as_array().is_some_and(|t| !t.is_empty()) {
                s.insert("tagReferences".into(), tags);
            }
            s.insert("billingItem".into(), Value::Object(item));
            self.subnets.push(Value::Object(s));
        }
    }

    fn global_ips(&mut self, count: usize, targets: &[String]) -> Vec<Value> {
        let mut out = Vec::with_capacity(count);
        let base = u32::from(std::net::Ipv4Addr::new(159, 8, 0, 0));
        for i in 0..count {
            let id = 880_001 + i as i64;
            let address = ip(base + i as u32 + 1);
            let dc = self.below(DATACENTERS.len());
            let created = self.created();
            let item = self.item("global_ipv4", "Global IPv4", 4.0, false, created, dc);
            let mut g = Map::new();
            g.insert("id".into(), Value::from(id));
            g.insert(
                "description".into(),
                Value::from(format!("global ip {}", i + 1)),
            );
            g.insert("typeId".into(), Value::from(1));
            g.insert(
                "ipAddress".into(),
                json!({"id": 60_000_001 + i as i64, "ipAddress": address}),
            );
            if !targets.is_empty() && self.chance(70) {
                let t = self.pick(targets).clone();
                g.insert("destinationIpAddress".into(), json!({"ipAddress": t}));
            }
            g.insert("billingItem".into(), Value::Object(item));
            let subnet_id = self.next_subnet_id;
            self.next_subnet_id += 1;
            self.subnets.push(json!({
                "id": subnet_id,
                "networkIdentifier": address,
                "cidr": 32,
                "subnetType": "GLOBAL_IP",
                "version": 4,
                "addressSpace": "PUBLIC",
            }));
            out.push(Value::Object(g));
        }
        out
    }

    fn storage(&mut self, count: usize) -> Vec<Value> {
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let dc = self.below(DATACENTERS.len());
            let block = self.chance(60);
            let endurance = self.chance(75);
            let hourly = self.chance(10);
            let capacity = *self.pick(&[20i64, 100, 250, 500, 1000, 2000, 4000]);
            let created = self.created();
            let (_, dc_name, _) = DATACENTERS[dc];
            let kind = if block { "BLOCK" } else { "FILE" };
            let tier = if endurance {
                "ENDURANCE"
            } else {
                "PERFORMANCE"
            };
            let category = if endurance {
                "storage_service_enterprise"
            } else if block {
                "performance_storage_iscsi"
            } else {
                "performance_storage_nfs"
            };
            let username = format!("SL02SEL{ACCOUNT_ID}-{}", i + 1);
            let mut item = self.item(
                category,
                &format!("{tier} {kind} storage {capacity} GB"),
                capacity as f64 * 0.25,
                hourly,
                created,
                dc,
            );
            item.insert("notes".into(), Value::from(username.clone()));
            if self.chance(50) {
                let snap = self.child(
                    "storage_snapshot_space",
                    "20 GB Storage Space (Snapshot Space)",
                    9.0,
                    hourly,
                    created,
                    dc,
                );
                item.insert("activeChildren".into(), Value::Array(vec![snap]));
            }
            let mut s = Map::new();
            s.insert("id".into(), Value::from(4_000_001 + i as i64));
            s.insert("username".into(), Value::from(username));
            s.insert(
                "nasType".into(),
                Value::from(if block { "ISCSI" } else { "NAS" }),
            );
            s.insert("capacityGb".into(), Value::from(capacity));
            s.insert("createDate".into(), Value::from(format_ts(created)));
            s.insert("accountId".into(), Value::from(ACCOUNT_ID));
            s.insert(
                "serviceResourceBackendIpAddress".into(),
                Value::from(format!(
                    "10.{}.{}.{}",
                    100 + dc,
                    (i / 250) % 250,
                    i % 250 + 2
                )),
            );
            s.insert(
                "storageType".into(),
                json!({"keyName": format!("{tier}_{kind}_STORAGE")}),
            );
            s.insert(
                "serviceResource".into(),
                json!({"datacenter": {"name": dc_name}}),
            );
            if !block {
                s.insert(
                    "fileNetworkMountAddress".into(),
                    Value::from(format!(
                        "fsf-{dc_name}-fz.service.softlayer.com:/SL02SEL{ACCOUNT_ID}_{}/data01",
                        i + 1
                    )),
                );
            }
            s.insert("billingItem".into(), Value::Object(item));
            out.push(Value::Object(s));
        }
        out
    }

    fn adc(&mut self, count: usize) -> Vec<Value> {
        let mut out = Vec::with_capacity(count);
        let base = u32::from(std::net::Ipv4Addr::new(169, 255, 0, 0));
        for i in 0..count {
            let dc = self.below(DATACENTERS.len());
            let created = self.created();
            let dedicated = self.chance(20);
            let mut a = Map::new();
            a.insert("id".into(), Value::from(109_001 + i as i64));
            a.insert("accountId".into(), Value::from(ACCOUNT_ID));
            // A VIP has no name in the API; its notes are what users label.
            a.insert(
                "notes".into(),
                Value::from(format!("lb-legacy-{:03}", i + 1)),
            );
            a.insert(
                "connectionLimit".into(),
                Value::from(*self.pick(&[50i64, 250, 500])),
            );
            a.insert("dedicatedFlag".into(), Value::from(dedicated));
            a.insert(
                "ipAddress".into(),
                json!({"ipAddress": ip(base + i as u32 + 1)}),
            );
            let item = self.item(
                "local_load_balancer",
                "Local Load Balancer",
                49.0,
                false,
                created,
                dc,
            );
            if dedicated {
                let device = self.item(
                    "local_load_balancer",
                    "Dedicated Load Balancer Device",
                    299.0,
                    false,
                    created,
                    dc,
                );
                a.insert("dedicatedBillingItem".into(), Value::Object(device));
            } else {
                a.insert("billingItem".into(), Value::Object(item));
            }
            out.push(Value::Object(a));
        }
        out
    }

    fn lbaas(&mut self, count: usize) -> Vec<Value> {
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let dc = self.below(DATACENTERS.len());
            let (loc, dc_name, _) = DATACENTERS[dc];
            let prefix = self.pick(&PREFIXES).trim_end_matches('-');
            let name = format!("{prefix}-lb-{:03}", i + 1);
            let created = self.created();
            let status = if self.chance(95) {
                "ACTIVE"
            } else {
                "UPDATE_PENDING"
            };
            out.push(json!({
                "id": 1_111_001 + i as i64,
                "uuid": self.uuid(),
                "name": name,
                "address": format!("{name}-{ACCOUNT_ID}-{dc_name}.lb.appdomain.cloud"),
                "isPublic": i64::from(self.chance(70)),
                "type": 1,
                "provisioningStatus": status,
                "operatingStatus": "ONLINE",
                "createDate": format_ts(created),
                "modifyDate": format_ts(created),
                "accountId": ACCOUNT_ID,
                "locationId": loc,
                "datacenter": Self::location(dc),
            }));
        }
        out
    }

    fn hosts(&mut self, count: usize) -> Vec<Value> {
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let dc = self.below(DATACENTERS.len());
            let (_, dc_name, _) = DATACENTERS[dc];
            let created = self.created();
            let prefix = self.pick(&PREFIXES).trim_end_matches('-');
            let item = self.item(
                "dedicated_virtual_hosts",
                "56 Cores X 242 RAM X 1.2 TB",
                2_100.0,
                false,
                created,
                dc,
            );
            let mut h = Map::new();
            h.insert("id".into(), Value::from(4_001 + i as i64));
            h.insert(
                "name".into(),
                Value::from(format!("dh-{prefix}-{:03}", i + 1)),
            );
            h.insert("createDate".into(), Value::from(format_ts(created)));
            h.insert("modifyDate".into(), Value::from(format_ts(created)));
            h.insert("cpuCount".into(), Value::from(56));
            h.insert("memoryCapacity".into(), Value::from(242));
            h.insert("diskCapacity".into(), Value::from(1200));
            h.insert("accountId".into(), Value::from(ACCOUNT_ID));
            h.insert("datacenter".into(), Self::location(dc));
            h.insert(
                "backendRouter".into(),
                json!({"hostname": format!("bcr01a.{dc_name}")}),
            );
            let tags = self.tags(4_001 + i as i64, (13, "DEDICATED_HOST"));
            if tags.as_array().is_some_and(|t| !t.is_empty()) {
                h.insert("tagReferences".into(), tags);
            }
            h.insert("billingItem".into(), Value::Object(item));
            out.push(Value::Object(h));
        }
        out
    }

    fn free_items(&mut self, count: usize, servers: &[i64]) -> Vec<Value> {
        const KINDS: [(&str, &str, f64); 6] = [
            (
                "software_license",
                "Microsoft SQL Server 2019 Standard",
                110.0,
            ),
            ("firewall", "Hardware Firewall (Dedicated)", 399.0),
            ("ssl_certificate", "GeoTrust QuickSSL Premium", 15.0),
            ("monitoring_package", "Monitoring Package - Basic", 0.0),
            ("evault", "EVault Backup 250 GB", 45.0),
            (
                "static_sec_ip_addresses",
                "4 Static Public IP Addresses",
                8.0,
            ),
        ];
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let (cat, desc, fee) = *self.pick(&KINDS);
            let dc = self.below(DATACENTERS.len());
            let created = self.created();
            let mut item = self.item(cat, desc, fee, false, created, dc);
            if !servers.is_empty() && self.chance(30) {
                let s = *self.pick(servers);
                item.insert("associatedBillingItemId".into(), Value::from(s.to_string()));
            }
            if self.chance(5) {
                item.insert("allowCancellationFlag".into(), Value::from(0));
            }
            out.push(Value::Object(item));
        }
        out
    }
}

fn dc_index(name: &Value) -> usize {
    let name = name.as_str().unwrap_or("");
    DATACENTERS
        .iter()
        .position(|(_, n, _)| *n == name)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::World;

    /// The same seed gives the same world; another seed a different one.
    #[test]
    fn is_deterministic() {
        assert_eq!(generate_world(300, 7), generate_world(300, 7));
        assert_ne!(generate_world(300, 7), generate_world(300, 8));
    }

    /// A generated world passes the loader's validation and covers every kind.
    #[test]
    fn generated_world_loads_with_every_kind() {
        let doc = generate_world(1_000, 1);
        for key in [
            "virtualGuests",
            "hardware",
            "networkStorage",
            "subnets",
            "networkVlans",
            "globalIpRecords",
            "adcLoadBalancers",
            "lbaasLoadBalancers",
            "dedicatedHosts",
            "allTopLevelBillingItems",
        ] {
            assert!(doc[key].as_array().is_some_and(|a| !a.is_empty()), "{key}");
        }
        let world = World::from_json_str(&doc.to_string()).unwrap();
        let total: usize = crate::state::Kind::ALL
            .iter()
            .map(|k| world.state.all(*k).len())
            .sum();
        assert!((800..=1_300).contains(&total), "{total}");
    }

    /// Primary addresses are unique across guests and servers.
    #[test]
    fn primary_addresses_are_unique() {
        let doc = generate_world(2_000, 3);
        let mut seen = std::collections::HashSet::new();
        for key in ["virtualGuests", "hardware"] {
            for o in doc[key].as_array().unwrap() {
                for f in ["primaryIpAddress", "primaryBackendIpAddress"] {
                    if let Some(ip) = o[f].as_str() {
                        assert!(seen.insert(ip.to_owned()), "duplicate {ip}");
                    }
                }
            }
        }
    }
}
