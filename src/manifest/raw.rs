//! The manifest as written: every value with its span, the shape checked
//! (types, keys, integer ranges) but not yet its meaning (addresses, globs,
//! durations, reasons). `read.rs` fills these from the YAML tree,
//! `validate.rs` turns them into the model. The doc comments here are the
//! descriptions of the JSON Schema (`slretire schema`).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::json;

use super::model::{Kind, PowerState, Reason};
use super::node::ByteSpan;

/// A value and where it was written (transparent in the JSON Schema).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sp<T> {
    pub(crate) value: T,
    pub(crate) span: ByteSpan,
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// A key that takes one value or a list of them (`id`, `ip`, `name`, `tags`, `tag`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OneOrMany<T>(pub(crate) Vec<Sp<T>>);

impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let one = generator.subschema_for::<T>();
        json_schema!({
            "anyOf": [
                one,
                { "type": "array", "items": one, "minItems": 1 }
            ]
        })
    }
}

/// A manifest file (version 1): which resources of one account must be gone.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields, title = "slretire manifest")]
pub(crate) struct RawManifest {
    /// The manifest format version. Only `1` exists.
    #[schemars(required, range(min = 1, max = 1))]
    pub(crate) version: Option<Sp<u64>>,
    /// The SoftLayer account id the credentials must belong to. Every file
    /// of one run must pin the same account.
    #[schemars(required, range(min = 1))]
    pub(crate) account: Option<Sp<u64>>,
    /// Options inherited by every `retire` entry of this file.
    pub(crate) defaults: Option<RawDefaults>,
    /// Rules for resources that are never cancelled: a resource matching any
    /// rule is kept, whichever entry selects it. Rules of all files apply.
    pub(crate) protect: Option<Vec<RawProtectRule>>,
    /// Guards on the whole plan; with several files the strictest wins.
    pub(crate) limits: Option<RawLimits>,
    /// The resources to retire. May be empty in a file that only holds
    /// shared `protect` rules or `limits`.
    #[schemars(required)]
    pub(crate) retire: Option<Vec<RawEntry>>,
}

/// Options inherited by every entry of the file.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Defaults")]
pub(crate) struct RawDefaults {
    /// Default timing: `auto` (hourly items now, monthly items on their
    /// anniversary, so the paid month is used), `immediate` or `anniversary`.
    pub(crate) when: Option<Sp<WhenName>>,
    /// Default cancel route for hardware entries: `api` or `ticket`
    /// (other kinds always use the API).
    pub(crate) via: Option<Sp<ViaName>>,
    /// Default cancellation reason: one of SoftLayer's documented texts,
    /// exactly. Without one, `No longer needed`.
    pub(crate) reason: Option<Sp<ReasonText>>,
    /// Default note recorded with each cancellation (a ticket or change id).
    pub(crate) note: Option<Sp<String>>,
}

/// One `protect` rule: every key that is set must match; rules are OR'ed.
/// It takes every selector key an entry takes.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "ProtectRule")]
pub(crate) struct RawProtectRule {
    /// Where the rule starts (its first key).
    #[schemars(skip)]
    pub(crate) span: ByteSpan,
    /// Only resources of this kind.
    pub(crate) kind: Option<Sp<KindName>>,
    /// Tags that must all be present; one or a list (the same as `tags`).
    pub(crate) tag: Option<Sp<OneOrMany<Tag>>>,
    #[schemars(flatten)]
    pub(crate) selector: RawSelector,
}

/// Guards on what a plan may cancel. They count the resources this file's
/// entries select; in a file without entries (shared guard rails) they
/// count the whole plan.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Limits")]
pub(crate) struct RawLimits {
    /// The plan fails if it would cancel more resources than this.
    #[schemars(range(min = 1))]
    pub(crate) max_resources: Option<Sp<u64>>,
    /// The plan fails if the recurring monthly fees it retires exceed this
    /// amount (account currency, at most two decimals).
    #[schemars(range(min = 0.01))]
    pub(crate) max_monthly_fee: Option<Sp<f64>>,
}

/// One `retire` entry: a kind, selector keys that all must match, and how
/// to cancel. Which selector keys apply depends on the kind.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Entry")]
pub(crate) struct RawEntry {
    /// Where the entry starts (its first key): the entry's origin line.
    #[schemars(skip)]
    pub(crate) span: ByteSpan,
    /// The keys written that apply to the kind (valid or not), in order.
    #[schemars(skip)]
    pub(crate) written: Vec<String>,
    /// The kind of resource.
    #[schemars(required)]
    pub(crate) kind: Option<Sp<KindName>>,
    #[schemars(flatten)]
    pub(crate) selector: RawSelector,
    /// Selector keys (those of the entry's kind) whose matches leave this
    /// entry's selection: what the entry selects and this matches too is
    /// not retired by the entry, and the plan lists it as excluded.
    pub(crate) exclude: Option<Sp<RawSelector>>,
    /// The exact number of resources this entry must match, else the plan fails.
    #[schemars(range(min = 1))]
    pub(crate) expect: Option<Sp<u64>>,
    /// Timing: `auto` (hourly items now, monthly items on their
    /// anniversary), `immediate` or `anniversary`.
    pub(crate) when: Option<Sp<WhenName>>,
    /// Hardware only: `api`, or `ticket` to open a cancel-server ticket.
    pub(crate) via: Option<Sp<ViaName>>,
    /// Cancellation reason: one of SoftLayer's documented texts, exactly.
    pub(crate) reason: Option<Sp<ReasonText>>,
    /// Note recorded with the cancellation (a ticket or change id).
    pub(crate) note: Option<Sp<String>>,
}

/// Selector keys: every key that is set must match. Entries, their
/// `exclude` and protect rules take them; which apply depends on the kind.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Selector")]
pub(crate) struct RawSelector {
    /// Where the mapping starts (for `exclude`: its first key).
    #[schemars(skip)]
    pub(crate) span: ByteSpan,
    /// The selector keys written (valid or not), in order.
    #[schemars(skip)]
    pub(crate) written: Vec<String>,
    /// Object ids (billing item ids for `billing_item`); one or a list.
    pub(crate) id: Option<Sp<OneOrMany<Id>>>,
    /// Addresses, or CIDR ranges that match every address inside; one or a
    /// list. Servers: primary public or backend address. Storage: the
    /// target address. Subnet: an address the subnet contains. Load
    /// balancer: the virtual IP address.
    pub(crate) ip: Option<Sp<OneOrMany<IpText>>>,
    /// Name globs (`*`, `?`, `[...]`, case-insensitive); one or a list.
    /// Servers: hostname or fully qualified domain name. Storage: the volume
    /// username. VLAN: the VLAN name. Load balancer: the name or uuid.
    /// CDN: the CDN account name.
    pub(crate) name: Option<Sp<OneOrMany<Glob>>>,
    /// Regular expressions (RE2 syntax) on the same names as `name`; each
    /// must match a whole name, case-insensitively (`(?-i)` for exact
    /// case); one or a list.
    pub(crate) name_regex: Option<Sp<OneOrMany<RegexText>>>,
    /// Subnet: the subnet's own network, exactly, e.g. `10.0.0.0/26`.
    pub(crate) cidr: Option<Sp<CidrText>>,
    /// VLAN: the 802.1Q VLAN number (1 to 4094); needs `router`.
    #[schemars(range(min = 1, max = 4094))]
    pub(crate) number: Option<Sp<u16>>,
    /// VLAN: the primary router hostname, e.g. `bcr01a.dal10` (VLAN
    /// numbers are unique per router only).
    pub(crate) router: Option<Sp<Router>>,
    /// Servers, guests and subnets on this VLAN: its id, or its `number`
    /// and `router`.
    pub(crate) vlan: Option<Sp<RawVlan>>,
    /// Datacenter short name, such as `dal13` (case-insensitive).
    pub(crate) datacenter: Option<Sp<Datacenter>>,
    /// Tags that must all be present (exact tag names); one or a list.
    pub(crate) tags: Option<Sp<OneOrMany<Tag>>>,
    /// `true`: objects without any tag; `false`: objects with at least one.
    pub(crate) untagged: Option<Sp<bool>>,
    /// Created more than this long before the plan: a number and a unit,
    /// `h` (hours), `d` (days) or `w` (weeks), e.g. `30d`.
    pub(crate) older_than: Option<Sp<DurationText>>,
    /// Created before this date (YYYY-MM-DD, midnight UTC).
    pub(crate) created_before: Option<Sp<DateText>>,
    /// Virtual guests: the power state, `running`, `halted` or `paused`.
    pub(crate) power_state: Option<Sp<PowerStateName>>,
    /// `true`: billed by the hour; `false`: billed monthly.
    pub(crate) hourly: Option<Sp<bool>>,
    /// Globs on the object's notes (`*`, `?`, `[...]`, case-insensitive);
    /// one or a list. An object without notes matches none.
    pub(crate) notes: Option<Sp<OneOrMany<Glob>>>,
}

/// A `vlan` selector as written: an id, or a number behind a router.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawVlan {
    Id(u64),
    Number { number: Sp<u16>, router: Sp<Router> },
}

impl JsonSchema for RawVlan {
    fn schema_name() -> Cow<'static, str> {
        "Vlan".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A VLAN: its id, or its `number` and primary `router`.",
            "anyOf": [
                { "description": "The VLAN's id.", "type": "integer", "minimum": 1 },
                {
                    "type": "object",
                    "properties": {
                        "number": {
                            "description": "The 802.1Q VLAN number.",
                            "type": "integer", "minimum": 1, "maximum": 4094
                        },
                        "router": {
                            "description": "The VLAN's primary router hostname, e.g. bcr01a.dal10.",
                            "type": "string",
                            "pattern": "^[A-Za-z]+[0-9]+[A-Za-z]?\\.[A-Za-z]{3}[0-9]{2}$"
                        }
                    },
                    "required": ["number", "router"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

impl RawSelector {
    /// Whether `key`, written in the mapping, made it into the raw values.
    pub(crate) fn was_read(&self, key: &str) -> bool {
        match key {
            "id" => self.id.is_some(),
            "ip" => self.ip.is_some(),
            "name" => self.name.is_some(),
            "name_regex" => self.name_regex.is_some(),
            "cidr" => self.cidr.is_some(),
            "number" => self.number.is_some(),
            "router" => self.router.is_some(),
            "vlan" => self.vlan.is_some(),
            "datacenter" => self.datacenter.is_some(),
            "tags" => self.tags.is_some(),
            "untagged" => self.untagged.is_some(),
            "older_than" => self.older_than.is_some(),
            "created_before" => self.created_before.is_some(),
            "power_state" => self.power_state.is_some(),
            "hourly" => self.hourly.is_some(),
            "notes" => self.notes.is_some(),
            _ => true,
        }
    }
}

/// Defines a string newtype whose JSON Schema is built by `$schema`.
macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $schema:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) struct $name(pub(crate) String);

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                let value: serde_json::Value = $schema;
                Schema::try_from(value).unwrap_or_default()
            }
        }
    };
}

text_type!(
    /// A manifest kind name.
    KindName,
    json!({
        "description": "A kind of resource.",
        "type": "string",
        "enum": Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
    })
);

text_type!(
    /// A `when` value.
    WhenName,
    json!({
        "type": "string",
        "enum": ["auto", "immediate", "anniversary"],
    })
);

text_type!(
    /// A `via` value.
    ViaName,
    json!({
        "type": "string",
        "enum": ["api", "ticket"],
    })
);

text_type!(
    /// A cancellation reason text.
    ReasonText,
    json!({
        "description": "One of SoftLayer's cancellation reasons, exactly as written here.",
        "type": "string",
        "enum": Reason::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
    })
);

text_type!(
    /// An address or CIDR range as written.
    IpText,
    json!({
        "description": "An IPv4 or IPv6 address, or a CIDR range such as 10.48.66.0/24.",
        "type": "string",
        "minLength": 1,
    })
);

text_type!(
    /// A subnet network in CIDR form as written.
    CidrText,
    json!({
        "description": "A network in CIDR form with the host bits zero, such as 10.0.0.0/26.",
        "type": "string",
        "pattern": "/[0-9]{1,3}$",
    })
);

text_type!(
    /// A name glob as written.
    Glob,
    json!({
        "description": "A glob: `*` any characters, `?` one, `[...]` a set; case-insensitive.",
        "type": "string",
        "minLength": 1,
    })
);

text_type!(
    /// A `name_regex` pattern as written.
    RegexText,
    json!({
        "description": "A regular expression (RE2 syntax) that must match a whole name; case-insensitive.",
        "type": "string",
        "minLength": 1,
    })
);

text_type!(
    /// A `power_state` value as written.
    PowerStateName,
    json!({
        "type": "string",
        "enum": PowerState::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
    })
);

text_type!(
    /// A tag name as written.
    Tag,
    json!({
        "description": "A tag name, compared exactly.",
        "type": "string",
        "minLength": 1,
    })
);

text_type!(
    /// A datacenter short name as written.
    Datacenter,
    json!({
        "description": "A datacenter short name such as dal13.",
        "type": "string",
        "pattern": "^[A-Za-z]{3}[0-9]{2}$",
    })
);

text_type!(
    /// A router hostname as written.
    Router,
    json!({
        "description": "A router hostname such as bcr01a.dal10.",
        "type": "string",
        "pattern": "^[A-Za-z]+[0-9]+[A-Za-z]?\\.[A-Za-z]{3}[0-9]{2}$",
    })
);

text_type!(
    /// An `older_than` duration as written.
    DurationText,
    json!({
        "description": "A duration: a positive number and a unit, h (hours), d (days) or w (weeks), e.g. 30d.",
        "type": "string",
        "pattern": "^[1-9][0-9]*[hdw]$",
    })
);

text_type!(
    /// A `created_before` date as written.
    DateText,
    json!({
        "description": "A date, YYYY-MM-DD.",
        "type": "string",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    })
);

/// An object id: a positive integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Id(pub(crate) u64);

impl JsonSchema for Id {
    fn schema_name() -> Cow<'static, str> {
        "Id".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An object id: a positive integer.",
            "type": "integer",
            "minimum": 1,
        })
    }
}
