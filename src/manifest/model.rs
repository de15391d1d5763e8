//! The validated manifest: plain values the resolver and planner consume.
//! Nothing here knows about YAML or spans; `validate.rs` builds it from the
//! raw types and guarantees every invariant documented below.

use std::fmt;
use std::net::IpAddr;

pub use crate::kinds::Kind;

/// All manifest files of one run, merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifests {
    /// The account every file pins (they must agree).
    pub account: u64,
    /// The files read, in the order they were read (sorted paths).
    pub files: Vec<String>,
    /// The content digest of each file (`sha256:` and hex), in `files`
    /// order: a plan records them so apply can tell the manifests changed.
    pub digests: Vec<String>,
    /// Every `retire` entry of every file, defaults applied, in file order.
    pub entries: Vec<Entry>,
    /// Every `protect` rule of every file: a resource matching any is kept.
    pub protect: Vec<ProtectRule>,
    /// Every file's `limits`, with what they guard.
    pub limits: Vec<LimitRule>,
}

impl Manifests {
    /// The kinds the entries retire, each once, in [`Kind`] order.
    pub fn kinds(&self) -> Vec<Kind> {
        let mut kinds: Vec<Kind> = self.entries.iter().map(|e| e.kind).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// Where a manifest entry or rule was written: `file:line`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The path as given on the command line (joined with `/`).
    pub file: String,
    /// 1-based line of the entry's first key.
    pub line: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One `retire` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub origin: Origin,
    pub kind: Kind,
    /// Never empty: at least one selector key is set.
    pub selector: Selector,
    /// `exclude`: objects the selector matches that this matches too are
    /// left out of the entry's selection (and listed in the plan).
    pub exclude: Option<Selector>,
    /// `expect`: the exact number of resources this entry must match.
    pub expect: Option<u32>,
    pub options: CancelOptions,
}

/// Selector keys; every key that is set must match (AND). Lists inside a key
/// (`id`, `ip`, `name`) match when any element matches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selector {
    /// `id`: object ids (billing item ids for `billing_item`).
    pub ids: Vec<u64>,
    /// `ip`: addresses or CIDR ranges; primary public or backend address.
    pub ips: Vec<IpPattern>,
    /// `name`: globs (`*`, `?`, `[...]`), already checked to compile.
    pub names: Vec<String>,
    /// `name_regex`: regular expressions on the same names, already
    /// checked to compile within the size limit; any may match.
    pub name_regexes: Vec<String>,
    /// `cidr` (subnet): the subnet's own network, exactly.
    pub cidr: Option<IpNet>,
    /// `number` (vlan): the 802.1Q VLAN number.
    pub number: Option<u16>,
    /// `router` (vlan): the primary router hostname, e.g. `bcr01a.dal10`.
    pub router: Option<String>,
    /// `vlan`: on this VLAN (guests and servers: one of their VLANs;
    /// subnets: their VLAN).
    pub vlan: Option<VlanSelector>,
    /// `datacenter`: short name such as `dal13`, lower case.
    pub datacenter: Option<String>,
    /// `tags`: every listed tag must be present.
    pub tags: Vec<String>,
    /// `untagged`: `true` no tag at all, `false` at least one.
    pub untagged: Option<bool>,
    /// `older_than`: created more than this long before the plan time.
    pub older_than: Option<std::time::Duration>,
    /// `created_before`: created before this date (midnight UTC).
    pub created_before: Option<jiff::civil::Date>,
    /// `power_state` (guests): the power state SoftLayer reports.
    pub power_state: Option<PowerState>,
    /// `hourly`: billed by the hour (`true`) or monthly (`false`).
    pub hourly: Option<bool>,
    /// `notes`: globs on the object's notes; any may match.
    pub notes: Vec<String>,
}

/// A guest's power state (`powerState.keyName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PowerState {
    Running,
    Halted,
    Paused,
}

impl PowerState {
    /// Every state, in documentation order.
    pub const ALL: [PowerState; 3] = [PowerState::Running, PowerState::Halted, PowerState::Paused];

    /// The manifest spelling (`running`).
    pub fn as_str(self) -> &'static str {
        match self {
            PowerState::Running => "running",
            PowerState::Halted => "halted",
            PowerState::Paused => "paused",
        }
    }

    /// Parses the manifest spelling.
    pub fn parse(text: &str) -> Option<PowerState> {
        PowerState::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// Whether SoftLayer's `keyName` (`RUNNING`, `HALTED`, `PAUSED`) is this state.
    pub fn is(self, key_name: &str) -> bool {
        key_name.eq_ignore_ascii_case(self.as_str())
    }
}

/// The VLAN a `vlan` selector names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VlanSelector {
    /// By the VLAN's object id.
    Id(u64),
    /// By its 802.1Q number behind its primary router (lower case).
    Number { number: u16, router: String },
}

impl fmt::Display for VlanSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VlanSelector::Id(id) => write!(f, "vlan {id}"),
            VlanSelector::Number { number, router } => write!(f, "vlan {number} on {router}"),
        }
    }
}

impl Selector {
    /// Whether the entry names its resources explicitly (an `id`, or an
    /// `ip` that is a single address, not a range), so a protected match is
    /// an error rather than quietly kept.
    pub fn is_explicit(&self) -> bool {
        !self.ids.is_empty() || self.ips.iter().any(|p| matches!(p, IpPattern::Addr(_)))
    }
}

/// An address or a range of addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpPattern {
    Addr(IpAddr),
    Net(IpNet),
}

impl IpPattern {
    /// Whether `addr` is this address or lies in this range.
    pub fn matches(&self, addr: IpAddr) -> bool {
        match self {
            IpPattern::Addr(a) => *a == addr,
            IpPattern::Net(net) => net.contains(addr),
        }
    }
}

impl fmt::Display for IpPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpPattern::Addr(a) => write!(f, "{a}"),
            IpPattern::Net(n) => write!(f, "{n}"),
        }
    }
}

/// A network in CIDR form; `addr` is the network address (host bits zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl IpNet {
    /// Whether `addr` lies in this network (same address family only).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// How and when to cancel, after `defaults` were applied.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CancelOptions {
    pub when: When,
    pub via: Via,
    pub reason: Reason,
    /// Free text recorded with the cancellation (`customerNote`).
    pub note: Option<String>,
}

/// `when`: the timing of the cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum When {
    /// Hourly items now, monthly items on their anniversary (the month is paid).
    Auto,
    /// Now, with reclaim of the resource.
    Immediate,
    /// On the next bill date.
    Anniversary,
}

impl When {
    pub fn as_str(self) -> &'static str {
        match self {
            When::Auto => "auto",
            When::Immediate => "immediate",
            When::Anniversary => "anniversary",
        }
    }
}

/// `via`: the API route of the cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Via {
    /// The kind's usual cancel call.
    Api,
    /// Hardware only: `SoftLayer_Ticket::createCancelServerTicket`.
    Ticket,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::Ticket => "ticket",
        }
    }
}

/// SoftLayer's documented cancellation reasons (seed createCancelServerTicket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    NoLongerNeeded,
    BusinessClosingDown,
    ServerUpgradeCosts,
    MigratingToLargerServer,
    MigratingToSmallerServer,
    MigratingToDifferentDatacenter,
    NetworkPerformanceLatency,
    SupportResponseTiming,
    SalesProcessUpgrades,
    MovingToCompetitor,
}

impl Reason {
    /// Every reason, in SoftLayer's order.
    pub const ALL: [Reason; 10] = [
        Reason::NoLongerNeeded,
        Reason::BusinessClosingDown,
        Reason::ServerUpgradeCosts,
        Reason::MigratingToLargerServer,
        Reason::MigratingToSmallerServer,
        Reason::MigratingToDifferentDatacenter,
        Reason::NetworkPerformanceLatency,
        Reason::SupportResponseTiming,
        Reason::SalesProcessUpgrades,
        Reason::MovingToCompetitor,
    ];

    /// The exact text SoftLayer expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NoLongerNeeded => "No longer needed",
            Reason::BusinessClosingDown => "Business closing down",
            Reason::ServerUpgradeCosts => "Server / Upgrade Costs",
            Reason::MigratingToLargerServer => "Migrating to larger server",
            Reason::MigratingToSmallerServer => "Migrating to smaller server",
            Reason::MigratingToDifferentDatacenter => {
                "Migrating to a different SoftLayer datacenter"
            }
            Reason::NetworkPerformanceLatency => "Network performance / latency",
            Reason::SupportResponseTiming => "Support response / timing",
            Reason::SalesProcessUpgrades => "Sales process / upgrades",
            Reason::MovingToCompetitor => "Moving to competitor",
        }
    }

    /// Parses the exact text.
    pub fn parse(text: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// One `protect` rule: every key that is set must match (AND); rules are OR'ed.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectRule {
    pub origin: Origin,
    /// `kind`: only resources of this kind.
    pub kind: Option<Kind>,
    /// Every selector key an entry takes (`tag` and `tags` both fill
    /// `tags`). Never empty together with `kind`.
    pub selector: Selector,
}

/// One file's `limits` and the part of the plan they guard.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitRule {
    /// The file that sets them.
    pub file: String,
    /// What they count: the resources the file's own entries select, or,
    /// for a file without entries (shared guard rails), the whole plan.
    pub scope: LimitScope,
    pub limits: Limits,
}

/// What a file's limits count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    /// Resources selected by the file's own entries.
    File,
    /// Every resource of the plan.
    Run,
}

/// `limits`: guards on what a plan may cancel.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Limits {
    /// The plan fails if it would cancel more resources than this.
    pub max_resources: Option<u32>,
    /// The plan fails if the recurring fees it retires exceed this, in
    /// hundredths of the account currency.
    pub max_monthly_fee_cents: Option<u64>,
}
