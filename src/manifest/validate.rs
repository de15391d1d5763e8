//! Raw manifest -> model, one file at a time: the meaning of each value
//! (addresses, globs, durations, dates, reasons, ...) and the rules between
//! keys of one entry. Every problem is reported; an entry with a problem is
//! left out of the model, the rest is still checked.

use globset::GlobBuilder;

use super::address::{AddressError, parse_addr, parse_cidr, parse_ip_pattern};
use super::diagnostic::{Code, Diagnostic};
use super::did_you_mean::did_you_mean;
use super::duration::{DurationError, parse_duration};
use super::keys;
use super::model::{
    CancelOptions, Entry, IpPattern, Kind, Limits, Origin, PowerState, ProtectRule, Reason,
    Selector, Via, VlanSelector, When,
};
use super::node::ByteSpan;
use super::pattern::{RegexProblem, looks_like_regex, name_regex};
use super::raw::{
    Glob, IpText, OneOrMany, PowerStateName, RawDefaults, RawEntry, RawLimits, RawManifest,
    RawProtectRule, RawSelector, RawVlan, ReasonText, RegexText, Sp, Tag, ViaName, WhenName,
};
use super::source::SourceFile;

/// One file's part of the model, with the spans the cross-file checks need.
#[derive(Debug, Clone)]
pub(crate) struct FileModel {
    /// The file's display path.
    pub(crate) file: String,
    /// `account` as written (missing or invalid: `None`, already reported).
    pub(crate) account: Option<Sp<u64>>,
    /// Entries that passed every check, in file order.
    pub(crate) entries: Vec<CheckedEntry>,
    /// Protect rules that passed every check.
    pub(crate) protect: Vec<ProtectRule>,
    /// The file's limits.
    pub(crate) limits: Limits,
    /// How many `retire` entries the file has, valid or not.
    pub(crate) entry_count: usize,
}

/// A valid entry and where its explicit ids, addresses and options were written.
#[derive(Debug, Clone)]
pub(crate) struct CheckedEntry {
    pub(crate) entry: Entry,
    /// One span per element of `entry.selector.ids`.
    pub(crate) id_spans: Vec<ByteSpan>,
    /// One span per element of `entry.selector.ips`.
    pub(crate) ip_spans: Vec<ByteSpan>,
    /// Where the entry's `when` came from.
    pub(crate) when_from: OptionSource,
    /// Where the entry's `via` came from.
    pub(crate) via_from: OptionSource,
    /// Where the `when` value is written (in the entry or in `defaults`);
    /// `None` for the built-in default.
    pub(crate) when_at: Option<ByteSpan>,
    /// Where the `via` value is written, like `when_at`.
    pub(crate) via_at: Option<ByteSpan>,
}

/// Where an entry's option value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptionSource {
    /// Written in the entry.
    Entry,
    /// Inherited from the file's `defaults`.
    Defaults,
    /// Neither: the built-in default.
    BuiltIn,
}

impl OptionSource {
    /// Words appended to `when: x` in notes.
    pub(crate) fn words(self) -> &'static str {
        match self {
            OptionSource::Entry => "",
            OptionSource::Defaults => " (from `defaults`)",
            OptionSource::BuiltIn => " (the default)",
        }
    }
}

/// Options from `defaults`, parsed, with where they were written.
#[derive(Debug, Clone, Default)]
struct Defaults {
    when: Option<Sp<When>>,
    via: Option<Sp<Via>>,
    reason: Option<Sp<Reason>>,
    note: Option<String>,
    /// Whether a defaults value failed to parse (entries then are not built,
    /// but are still checked).
    broken: bool,
}

/// Checks one raw file and builds its part of the model.
pub(crate) fn validate(
    file: &SourceFile,
    raw: &RawManifest,
    diags: &mut Vec<Diagnostic>,
) -> FileModel {
    let mut checker = Checker { file, diags };
    let defaults = raw
        .defaults
        .as_ref()
        .map(|d| checker.defaults(d))
        .unwrap_or_default();
    let protect = raw
        .protect
        .iter()
        .flatten()
        .filter_map(|rule| checker.protect_rule(rule))
        .collect();
    let limits = raw.limits.as_ref().map(limits).unwrap_or_default();
    let entries = raw
        .retire
        .iter()
        .flatten()
        .filter_map(|entry| checker.entry(entry, &defaults))
        .collect();
    FileModel {
        file: file.name.clone(),
        account: raw.account.clone(),
        entries,
        protect,
        limits,
        entry_count: raw.retire.as_ref().map_or(0, Vec::len),
    }
}

fn limits(raw: &RawLimits) -> Limits {
    Limits {
        max_resources: raw
            .max_resources
            .as_ref()
            .and_then(|v| u32::try_from(v.value).ok()),
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        max_monthly_fee_cents: raw
            .max_monthly_fee
            .as_ref()
            .map(|v| (v.value * 100.0).round() as u64),
    }
}

struct Checker<'a> {
    file: &'a SourceFile,
    diags: &'a mut Vec<Diagnostic>,
}

/// Did-you-mean, or the list of accepted values.
fn hint<'a>(typed: &str, accepted: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match did_you_mean(typed, accepted.clone()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!(
            "accepted: {}",
            accepted
                .into_iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Checker<'_> {
    fn push(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    fn error(&self, code: Code, span: ByteSpan, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, &self.file.name, span, message)
    }

    fn origin(&self, span: ByteSpan) -> Origin {
        Origin {
            file: self.file.name.clone(),
            line: u32::try_from(self.file.line_col(span.start).line).unwrap_or(u32::MAX),
        }
    }

    // ---- values --------------------------------------------------------

    fn when(&mut self, raw: &Sp<WhenName>) -> Option<Sp<When>> {
        let when = match raw.value.0.as_str() {
            "auto" => When::Auto,
            "immediate" => When::Immediate,
            "anniversary" => When::Anniversary,
            other => {
                let accepted = [When::Auto, When::Immediate, When::Anniversary].map(When::as_str);
                let diag = self
                    .error(
                        Code::InvalidWhen,
                        raw.span,
                        format!("unknown `when` value `{other}`"),
                    )
                    .label("not a timing")
                    .help(hint(other, accepted));
                self.push(diag);
                return None;
            }
        };
        Some(Sp {
            value: when,
            span: raw.span,
        })
    }

    fn via(&mut self, raw: &Sp<ViaName>) -> Option<Sp<Via>> {
        let via = match raw.value.0.as_str() {
            "api" => Via::Api,
            "ticket" => Via::Ticket,
            other => {
                let diag = self
                    .error(
                        Code::InvalidVia,
                        raw.span,
                        format!("unknown `via` value `{other}`"),
                    )
                    .label("not a cancel route")
                    .help(hint(other, [Via::Api.as_str(), Via::Ticket.as_str()]));
                self.push(diag);
                return None;
            }
        };
        Some(Sp {
            value: via,
            span: raw.span,
        })
    }

    fn reason(&mut self, raw: &Sp<ReasonText>) -> Option<Sp<Reason>> {
        if let Some(reason) = Reason::parse(&raw.value.0) {
            return Some(Sp {
                value: reason,
                span: raw.span,
            });
        }
        let texts = Reason::ALL.map(Reason::as_str);
        let help = match did_you_mean(&raw.value.0, texts) {
            Some(close) => format!("did you mean `{close}`? SoftLayer accepts its reasons exactly"),
            None => format!(
                "SoftLayer accepts exactly one of: {}",
                texts.map(|t| format!("`{t}`")).join(", ")
            ),
        };
        let diag = self
            .error(
                Code::UnknownReason,
                raw.span,
                format!("`{}` is not a SoftLayer cancellation reason", raw.value.0),
            )
            .label("unknown reason")
            .help(help);
        self.push(diag);
        None
    }

    fn ip(&mut self, raw: &Sp<IpText>, kind: Option<Kind>) -> Option<IpPattern> {
        let text = raw.value.0.as_str();
        match parse_ip_pattern(text) {
            Ok(IpPattern::Net(_)) if kind.is_some_and(|k| k.room().ip_selects_by_network()) => {
                let diag = self
                    .error(Code::InvalidIp, raw.span, format!("`ip` of a subnet entry must be an address, found the range `{text}`"))
                    .label("a range")
                    .help(format!("`ip` selects the subnet that contains an address; use `cidr: {text}` for the subnet itself"));
                self.push(diag);
                None
            }
            Ok(pattern) => Some(pattern),
            Err(err) => {
                self.address_error(raw.span, "ip", text, &err);
                None
            }
        }
    }

    fn address_error(&mut self, span: ByteSpan, key: &str, text: &str, err: &AddressError) {
        let diag = match err {
            AddressError::NotAnAddress => self
                .error(Code::InvalidIp, span, format!("`{key}` is not an IP address: `{text}`"))
                .label("not an address")
                .help("write an IPv4 or IPv6 address such as `10.48.66.132`, or a range such as `10.48.66.0/24`"),
            AddressError::BadPrefix { max } => {
                let example = if *max == 32 { "10.0.0.0/26" } else { "2001:db8::/64" };
                self.error(Code::InvalidCidr, span, format!("`{key}` has an invalid prefix length: `{text}`"))
                    .label(format!("prefix must be 0 to {max}"))
                    .help(format!("write the prefix length as a number from 0 to {max}, e.g. `{example}`"))
            }
            AddressError::HostBitsSet { network } => self
                .error(Code::InvalidCidr, span, format!("`{key}` has host bits set: `{text}`"))
                .label("not a network address")
                .help(format!("did you mean `{network}`?")),
        };
        self.push(diag);
    }

    fn glob(&mut self, raw: &Sp<Glob>, key: &str) -> Option<String> {
        let pattern = raw.value.0.as_str();
        match GlobBuilder::new(pattern)
            .literal_separator(false)
            .case_insensitive(true)
            .build()
        {
            Ok(_) => {
                if key == "name" {
                    self.regex_as_glob(raw);
                }
                Some(pattern.to_owned())
            }
            Err(err) => {
                let diag = self
                    .error(Code::InvalidGlob, raw.span, format!("`{key}` is not a valid glob: {}", err.kind()))
                    .label("invalid glob")
                    .help("globs use `*` (any characters), `?` (one character), `[...]` (one of a set) \
                         and `{a,b}` (either); escape a literal `[` or `{` as `[[]` or `[{]`");
                self.push(diag);
                None
            }
        }
    }

    /// A `name` glob that reads like a regular expression is most likely
    /// one: as a glob it matches nothing (`^ci-runner-.*$`) or something
    /// else. A warning, so a deliberate glob still validates.
    fn regex_as_glob(&mut self, raw: &Sp<Glob>) {
        let pattern = raw.value.0.as_str();
        let Some(guess) = looks_like_regex(pattern) else {
            return;
        };
        let as_regex = format!("name_regex: {}", quoted(pattern));
        let help = match guess {
            Some(glob) => format!(
                "for a regular expression write `{as_regex}`; as a glob this is probably `name: {}`",
                quoted(&glob)
            ),
            None => format!("for a regular expression write `{as_regex}`"),
        };
        let diag = self
            .error(
                Code::NameLooksLikeRegex,
                raw.span,
                format!("`name` is a glob, but `{pattern}` looks like a regular expression"),
            )
            .warning()
            .label("read as a glob: `^`, `$`, `.`, `+`, `\\` and `(` are literal characters here")
            .help(help);
        self.push(diag);
    }

    fn regex(&mut self, raw: &Sp<RegexText>) -> Option<String> {
        let pattern = raw.value.0.as_str();
        match name_regex(pattern) {
            Ok(_) => Some(pattern.to_owned()),
            Err(RegexProblem::Syntax { what, at }) => {
                let span = self.inside(raw, at).unwrap_or(raw.span);
                let diag = self
                    .error(
                        Code::InvalidRegex,
                        span,
                        format!("`name_regex` is not a valid regular expression: {what}"),
                    )
                    .label(what)
                    .help(
                        "name_regex uses RE2 syntax (no look-around, no backreferences); \
                         escape a literal `.`, `(` or `[` with `\\`, and in double quotes write `\\\\`",
                    );
                self.push(diag);
                None
            }
            Err(RegexProblem::TooLarge) => {
                let diag = self
                    .error(
                        Code::RegexTooLarge,
                        raw.span,
                        "`name_regex` is too large",
                    )
                    .label(format!(
                        "compiles to more than {} KiB",
                        super::pattern::REGEX_SIZE_LIMIT / 1024
                    ))
                    .help(
                        "names are short: use smaller repetition counts (`{1,5}` rather than `{1000}`), \
                         or ASCII classes such as `[0-9]` and `[a-z]` instead of `\\d` and `\\w`",
                    );
                self.push(diag);
                None
            }
        }
    }

    /// The span of bytes `at` of a value, when the value is written as it
    /// reads (plain, or quoted without escapes), so a finding can point
    /// into it.
    fn inside(&self, raw: &Sp<RegexText>, at: std::ops::Range<usize>) -> Option<ByteSpan> {
        let written = self.file.text.get(raw.span.start..raw.span.end)?;
        let value = raw.value.0.as_str();
        let start = if written == value {
            raw.span.start
        } else if written.len() == value.len() + 2
            && (written.starts_with('\'') || written.starts_with('"'))
            && &written[1..written.len() - 1] == value
        {
            raw.span.start + 1
        } else {
            return None;
        };
        Some(ByteSpan {
            start: start + at.start,
            end: start + at.end.max(at.start + 1).min(value.len()),
        })
    }

    fn power_state(&mut self, raw: &Sp<PowerStateName>) -> Option<PowerState> {
        // Exactly as the schema spells them; `HALTED` gets a did-you-mean.
        if let Some(state) = PowerState::parse(&raw.value.0) {
            return Some(state);
        }
        let text = raw.value.0.to_ascii_lowercase();
        let accepted = PowerState::ALL.map(PowerState::as_str);
        let diag = self
            .error(
                Code::InvalidPowerState,
                raw.span,
                format!("unknown `power_state` value `{}`", raw.value.0),
            )
            .label("not a power state")
            .help(hint(&text, accepted));
        self.push(diag);
        None
    }

    fn vlan(&mut self, raw: &Sp<RawVlan>) -> Option<VlanSelector> {
        match &raw.value {
            RawVlan::Id(id) => Some(VlanSelector::Id(*id)),
            RawVlan::Number { number, router } => Some(VlanSelector::Number {
                number: number.value,
                router: self.router(router)?,
            }),
        }
    }

    fn tag(&mut self, raw: &Sp<Tag>, key: &str) -> Option<String> {
        let tag = raw.value.0.as_str();
        if tag.contains(',') || tag.chars().any(char::is_control) {
            let diag = self
                .error(Code::InvalidTag, raw.span, format!("`{key}` holds an impossible tag: `{}`", tag.escape_debug()))
                .label("not one tag")
                .help(if tag.contains(',') {
                    let parts: Vec<&str> = tag.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
                    format!(
                        "SoftLayer tags cannot contain commas; for several tags write a list: `{key}: [{}]`",
                        parts.join(", ")
                    )
                } else {
                    "SoftLayer tags cannot contain control characters".to_owned()
                });
            self.push(diag);
            return None;
        }
        Some(tag.to_owned())
    }

    fn datacenter(&mut self, raw: &Sp<super::raw::Datacenter>) -> Option<String> {
        let name = raw.value.0.to_ascii_lowercase();
        if is_datacenter(&name) {
            return Some(name);
        }
        let diag = self
            .error(
                Code::InvalidDatacenter,
                raw.span,
                format!("`datacenter` is not a datacenter name: `{}`", raw.value.0),
            )
            .label("not a datacenter")
            .help(
                "write the short name SoftLayer uses, three letters and two digits such as `dal13`",
            );
        self.push(diag);
        None
    }

    fn router(&mut self, raw: &Sp<super::raw::Router>) -> Option<String> {
        let name = raw.value.0.to_ascii_lowercase();
        let valid = name.split_once('.').is_some_and(|(host, dc)| {
            let letters = host.bytes().take_while(u8::is_ascii_lowercase).count();
            let digits = host[letters..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let rest = &host[letters + digits..];
            letters > 0
                && digits > 0
                && (rest.is_empty()
                    || (rest.len() == 1 && rest.bytes().all(|b| b.is_ascii_lowercase())))
                && is_datacenter(dc)
        });
        if valid {
            return Some(name);
        }
        let diag = self
            .error(Code::InvalidRouter, raw.span, format!("`router` is not a router hostname: `{}`", raw.value.0))
            .label("not a router")
            .help("write the primary router's hostname, e.g. `bcr01a.dal10` (backend) or `fcr01a.dal10` (frontend)");
        self.push(diag);
        None
    }

    fn duration(&mut self, raw: &Sp<super::raw::DurationText>) -> Option<std::time::Duration> {
        let text = raw.value.0.as_str();
        match parse_duration(text) {
            Ok(d) => Some(d),
            Err(err) => {
                let (label, help) = match err {
                    DurationError::AmbiguousMinutes => (
                        "minutes or months?",
                        "`m` is ambiguous; use `h` (hours), `d` (days) or `w` (weeks)".to_owned(),
                    ),
                    DurationError::Zero => (
                        "zero",
                        "a resource is always older than 0; remove `older_than` to select every age"
                            .to_owned(),
                    ),
                    DurationError::TooLong => (
                        "too long",
                        "the longest duration is about 100 years (5200w)".to_owned(),
                    ),
                    DurationError::Malformed => (
                        "not a duration",
                        "write a number and one unit: `12h`, `30d` or `2w`".to_owned(),
                    ),
                };
                let diag = self
                    .error(
                        Code::InvalidDuration,
                        raw.span,
                        format!("`older_than` is not a valid duration: `{text}`"),
                    )
                    .label(label)
                    .help(help);
                self.push(diag);
                None
            }
        }
    }

    fn date(&mut self, raw: &Sp<super::raw::DateText>) -> Option<jiff::civil::Date> {
        let text = raw.value.0.as_str();
        let shaped = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        let date = shaped
            .then(|| {
                let year = text[0..4].parse::<i16>().ok()?;
                let month = text[5..7].parse::<i8>().ok()?;
                let day = text[8..10].parse::<i8>().ok()?;
                jiff::civil::Date::new(year, month, day).ok()
            })
            .flatten();
        if date.is_none() {
            let (label, help) = if shaped {
                ("no such date", "check the month and day".to_owned())
            } else if text.len() > 10 && text.as_bytes().get(10) == Some(&b'T') {
                (
                    "a time, not a date",
                    format!("write the date only: `{}`", &text[..10]),
                )
            } else {
                (
                    "not a date",
                    "write the date as YYYY-MM-DD, e.g. `2026-10-01`".to_owned(),
                )
            };
            let diag = self
                .error(
                    Code::InvalidDate,
                    raw.span,
                    format!("`created_before` is not a valid date: `{text}`"),
                )
                .label(label)
                .help(help);
            self.push(diag);
        }
        date
    }

    /// Every element must pass; `None` when any did not (each is reported).
    fn all<T, U>(
        &mut self,
        list: Option<&Sp<OneOrMany<T>>>,
        mut f: impl FnMut(&mut Self, &Sp<T>) -> Option<U>,
    ) -> Option<(Vec<U>, Vec<ByteSpan>)> {
        let mut values = Vec::new();
        let mut spans = Vec::new();
        let mut ok = true;
        for item in list.map(|l| l.value.0.as_slice()).unwrap_or_default() {
            match f(self, item) {
                Some(v) => {
                    values.push(v);
                    spans.push(item.span);
                }
                None => ok = false,
            }
        }
        ok.then_some((values, spans))
    }

    // ---- sections ------------------------------------------------------

    fn defaults(&mut self, raw: &RawDefaults) -> Defaults {
        let when = raw.when.as_ref().map(|w| self.when(w));
        let via = raw.via.as_ref().map(|v| self.via(v));
        let reason = raw.reason.as_ref().map(|r| self.reason(r));
        let broken =
            matches!(when, Some(None)) || matches!(via, Some(None)) || matches!(reason, Some(None));
        Defaults {
            when: when.flatten(),
            via: via.flatten(),
            reason: reason.flatten(),
            note: raw.note.as_ref().map(|n| n.value.clone()),
            broken,
        }
    }

    fn protect_rule(&mut self, raw: &RawProtectRule) -> Option<ProtectRule> {
        let kind = raw.kind.as_ref().and_then(|k| Kind::parse(&k.value.0));
        let mut verdict = Verdict(true);
        // Addresses are read as entries of no kind read them: a subnet
        // rule may protect a range (every subnet inside it).
        let (mut selector, _, _) = self.selector(&raw.selector, None, &mut verdict);
        let tag = self.all(raw.tag.as_ref(), |c, t| c.tag(t, "tag"));
        for tag in verdict.list(tag).0 {
            if !selector.tags.contains(&tag) {
                selector.tags.push(tag);
            }
        }
        self.selector_rules(&raw.selector, &selector, &mut verdict);
        if !raw
            .selector
            .written
            .iter()
            .all(|key| raw.selector.was_read(key))
        {
            verdict.fail();
        }
        if !verdict.0 || (raw.kind.is_some() && kind.is_none()) {
            return None;
        }
        Some(ProtectRule {
            origin: self.origin(raw.span),
            kind,
            selector,
        })
    }

    fn cidr(&mut self, raw: &Sp<super::raw::CidrText>) -> Option<super::model::IpNet> {
        let text = raw.value.0.as_str();
        match parse_cidr(text) {
            Ok(net) => Some(net),
            Err(AddressError::NotAnAddress) if parse_addr(text).is_ok() => {
                let diag = self
                    .error(
                        Code::InvalidCidr,
                        raw.span,
                        format!("`cidr` needs a prefix length: `{text}`"),
                    )
                    .label("no prefix length")
                    .help(format!(
                        "write the network with its size, e.g. `{text}/26`, \
                         or use `ip` to select the subnet that contains this address"
                    ));
                self.push(diag);
                None
            }
            Err(err) => {
                self.address_error(raw.span, "cidr", text, &err);
                None
            }
        }
    }

    fn entry(&mut self, raw: &RawEntry, defaults: &Defaults) -> Option<CheckedEntry> {
        let mut verdict = Verdict(!defaults.broken);
        let kind = raw.kind.as_ref().and_then(|k| Kind::parse(&k.value.0));
        // Values are checked even without a kind, so every problem shows.
        let (selector, id_spans, ip_spans) = self.selector(&raw.selector, kind, &mut verdict);
        let exclude = raw.exclude.as_ref().map(|exclude| {
            let (checked, _, _) = self.selector(&exclude.value, kind, &mut verdict);
            self.selector_rules(&exclude.value, &checked, &mut verdict);
            if !exclude
                .value
                .written
                .iter()
                .all(|key| exclude.value.was_read(key))
            {
                verdict.fail();
            }
            checked
        });
        let options = self.options(raw, kind, defaults, &mut verdict);
        let (kind_name, kind) = (raw.kind.as_ref()?, kind?);
        self.key_rules(raw, kind, kind_name.span, &selector, &mut verdict);
        if let Some((via, when)) = &options.ticket_now {
            self.ticket_now(kind_name.span, via, when);
            verdict.fail();
        }
        // A key written but not read (wrong type, ...) was reported by the
        // reader; the entry is not built from the rest.
        if !raw.written.iter().all(|key| was_read(raw, key)) {
            verdict.fail();
        }
        if !verdict.0 {
            return None;
        }
        Some(CheckedEntry {
            entry: Entry {
                origin: self.origin(raw.span),
                kind,
                selector,
                exclude,
                expect: raw
                    .expect
                    .as_ref()
                    .and_then(|e| u32::try_from(e.value).ok()),
                options: options.options,
            },
            id_spans,
            ip_spans,
            when_from: options.when_from,
            via_from: options.via_from,
            when_at: options.when_at,
            via_at: options.via_at,
        })
    }

    /// Selector keys (of an entry, its `exclude` or a protect rule), each
    /// value checked.
    fn selector(
        &mut self,
        raw: &RawSelector,
        kind: Option<Kind>,
        verdict: &mut Verdict,
    ) -> (Selector, Vec<ByteSpan>, Vec<ByteSpan>) {
        let ids = self.all(raw.id.as_ref(), |_, id| Some(id.value.0));
        let ips = self.all(raw.ip.as_ref(), |c, ip| c.ip(ip, kind));
        let names = self.all(raw.name.as_ref(), |c, g| c.glob(g, "name"));
        let regexes = self.all(raw.name_regex.as_ref(), Checker::regex);
        let tags = self.all(raw.tags.as_ref(), |c, t| c.tag(t, "tags"));
        let notes = self.all(raw.notes.as_ref(), |c, g| c.glob(g, "notes"));
        let cidr = raw.cidr.as_ref().map(|c| self.cidr(c));
        let router = raw.router.as_ref().map(|r| self.router(r));
        let vlan = raw.vlan.as_ref().map(|v| self.vlan(v));
        let datacenter = raw.datacenter.as_ref().map(|d| self.datacenter(d));
        let older_than = raw.older_than.as_ref().map(|d| self.duration(d));
        let created_before = raw.created_before.as_ref().map(|d| self.date(d));
        let power_state = raw.power_state.as_ref().map(|p| self.power_state(p));
        let (ids, id_spans) = verdict.list(ids);
        let (ips, ip_spans) = verdict.list(ips);
        let selector = Selector {
            ids,
            ips,
            names: verdict.list(names).0,
            name_regexes: verdict.list(regexes).0,
            cidr: verdict.take(cidr),
            number: raw.number.as_ref().map(|n| n.value),
            router: verdict.take(router),
            vlan: verdict.take(vlan),
            datacenter: verdict.take(datacenter),
            tags: verdict.list(tags).0,
            untagged: raw.untagged.as_ref().map(|u| u.value),
            older_than: verdict.take(older_than),
            created_before: verdict.take(created_before),
            power_state: verdict.take(power_state),
            hourly: raw.hourly.as_ref().map(|h| h.value),
            notes: verdict.list(notes).0,
        };
        (selector, id_spans, ip_spans)
    }

    /// `when`, `via`, `reason` and `note` after `defaults`.
    fn options(
        &mut self,
        raw: &RawEntry,
        kind: Option<Kind>,
        defaults: &Defaults,
        verdict: &mut Verdict,
    ) -> Options {
        let when = raw.when.as_ref().map(|w| self.when(w));
        let via = raw.via.as_ref().map(|v| self.via(v));
        let reason = raw.reason.as_ref().map(|r| self.reason(r));
        let when = match verdict.take(when) {
            Some(w) => Some((w, OptionSource::Entry)),
            None => defaults.when.clone().map(|w| (w, OptionSource::Defaults)),
        };
        let via = match verdict.take(via) {
            Some(v) => Some((v, OptionSource::Entry)),
            // `defaults.via` is meant for the entries `via` applies to (hardware).
            None if kind.is_some_and(|k| keys::option_keys(k).contains(&"via")) => {
                defaults.via.clone().map(|v| (v, OptionSource::Defaults))
            }
            None => None,
        };
        let reason = verdict
            .take(reason)
            .or_else(|| defaults.reason.clone())
            .map_or(Reason::NoLongerNeeded, |r| r.value);
        let when_value = when.as_ref().map_or(When::Auto, |(w, _)| w.value);
        let via_value = via.as_ref().map_or(Via::Api, |(v, _)| v.value);
        let ticket_now = match (&via, &when) {
            (Some((v, vs)), Some((w, ws)))
                if v.value == Via::Ticket && w.value == When::Immediate =>
            {
                Some(((v.span, *vs), (w.span, *ws)))
            }
            _ => None,
        };
        Options {
            options: CancelOptions {
                when: when_value,
                via: via_value,
                reason,
                note: raw
                    .note
                    .as_ref()
                    .map(|n| n.value.clone())
                    .or_else(|| defaults.note.clone()),
            },
            when_at: when.as_ref().map(|(w, _)| w.span),
            via_at: via.as_ref().map(|(v, _)| v.span),
            when_from: when.map_or(OptionSource::BuiltIn, |(_, s)| s),
            via_from: via.map_or(OptionSource::BuiltIn, |(_, s)| s),
            ticket_now,
        }
    }

    /// `via: ticket` opens a ticket that cancels on the next bill date, so
    /// it cannot honour `when: immediate`.
    fn ticket_now(
        &mut self,
        kind_span: ByteSpan,
        via: &(ByteSpan, OptionSource),
        when: &(ByteSpan, OptionSource),
    ) {
        let span = match (via, when) {
            ((span, OptionSource::Entry), _) | (_, (span, OptionSource::Entry)) => *span,
            _ => kind_span,
        };
        let mut diag = self
            .error(
                Code::ConflictingKeys,
                span,
                "`via: ticket` cannot cancel `when: immediate`",
            )
            .label("a cancel-server ticket cancels on the next bill date")
            .help(
                "use `when: anniversary` (or `auto`) with `via: ticket`, \
                 or `via: api` to cancel immediately",
            );
        for (key, (span, source)) in [("via", via), ("when", when)] {
            if *source == OptionSource::Defaults {
                let line = self.file.line_col(span.start).line;
                diag = diag.note(format!("`{key}` comes from `defaults` on line {line}"));
            }
        }
        self.push(diag);
    }

    /// Rules between the keys of one entry.
    fn key_rules(
        &mut self,
        raw: &RawEntry,
        kind: Kind,
        kind_span: ByteSpan,
        selector: &Selector,
        verdict: &mut Verdict,
    ) {
        if !keys::selector_keys(kind)
            .iter()
            .any(|key| raw.written.iter().any(|w| w == key))
        {
            self.no_selector(kind, kind_span);
            verdict.fail();
        }
        self.selector_rules(&raw.selector, selector, verdict);
        if let Some(expect) = &raw.expect
            && let Some((most, why)) = most_matches(selector)
            && expect.value > most
        {
            let diag = self
                .error(
                    Code::ExpectUnsatisfiable,
                    expect.span,
                    format!(
                        "`expect: {}` but this entry can match at most {most}",
                        expect.value
                    ),
                )
                .label("never satisfied")
                .help(format!("{why}; lower `expect` or remove it"));
            self.push(diag);
            verdict.fail();
        }
    }

    /// Rules between selector keys written together (in an entry, its
    /// `exclude` or a protect rule).
    fn selector_rules(&mut self, raw: &RawSelector, selector: &Selector, verdict: &mut Verdict) {
        if let (Some(older), Some(before)) = (&raw.older_than, &raw.created_before) {
            let later = if older.span.start > before.span.start {
                older.span
            } else {
                before.span
            };
            let diag = self
                .error(
                    Code::ConflictingKeys,
                    later,
                    "`older_than` and `created_before` in one entry",
                )
                .label("choose one")
                .help("both say how old a resource must be; keep the one you mean");
            self.push(diag);
            verdict.fail();
        }
        if let (Some(untagged), Some(tags)) = (&raw.untagged, &raw.tags)
            && untagged.value
        {
            let diag = self
                .error(
                    Code::ConflictingKeys,
                    untagged.span.max(tags.span),
                    "`untagged: true` and `tags` in one entry",
                )
                .label("never matches")
                .help("an object without tags has none of the listed tags; keep the one you mean");
            self.push(diag);
            verdict.fail();
        }
        if let Some(number) = &raw.number
            && raw.router.is_none()
        {
            let diag = self
                .error(
                    Code::NumberWithoutRouter,
                    number.span,
                    "a VLAN `number` without its `router`",
                )
                .label("ambiguous: the same number exists behind many routers")
                .help(
                    "VLAN numbers are unique per router only; \
                     add `router:`, e.g. `router: bcr01a.dal10`",
                );
            self.push(diag);
            verdict.fail();
        }
        if let (Some(router), Some(dc), Some(raw_dc)) =
            (&selector.router, &selector.datacenter, &raw.datacenter)
            && router.rsplit('.').next() != Some(dc.as_str())
        {
            let diag = self
                .error(
                    Code::ConflictingKeys,
                    raw_dc.span,
                    format!("router `{router}` is not in datacenter `{dc}`"),
                )
                .label("never matches")
                .help(
                    "a VLAN lives in its router's datacenter; fix one of them or drop `datacenter`",
                );
            self.push(diag);
            verdict.fail();
        }
    }

    fn no_selector(&mut self, kind: Kind, span: ByteSpan) {
        let selectors = keys::selector_keys(kind).join(", ");
        let help = if keys::selector_keys(kind) == ["id"] {
            format!("add `id:` with the {} id", kind.as_str().replace('_', " "))
        } else if keys::selector_keys(kind).contains(&"name") {
            format!("add at least one of {selectors}; to mean every {kind}, write `name: \"*\"`")
        } else {
            format!("add at least one of {selectors}")
        };
        let diag = self
            .error(
                Code::NoSelector,
                span,
                format!("the {kind} entry has no selector"),
            )
            .label("selects nothing in particular")
            .help(help);
        self.push(diag);
    }
}

/// Whether every part of an entry was valid so far.
struct Verdict(bool);

impl Verdict {
    fn fail(&mut self) {
        self.0 = false;
    }

    /// An optional checked value: `None` absent, `Some(None)` failed
    /// (already reported).
    #[allow(
        clippy::option_option,
        reason = "absent and failed are different answers"
    )]
    fn take<T>(&mut self, checked: Option<Option<T>>) -> Option<T> {
        match checked {
            Some(None) => {
                self.fail();
                None
            }
            Some(value) => value,
            None => None,
        }
    }

    /// A checked list; `None` means an element failed.
    fn list<T>(&mut self, checked: Option<(Vec<T>, Vec<ByteSpan>)>) -> (Vec<T>, Vec<ByteSpan>) {
        checked.unwrap_or_else(|| {
            self.fail();
            (Vec::new(), Vec::new())
        })
    }
}

/// An entry's options, and what the cross-entry checks need to know.
struct Options {
    options: CancelOptions,
    when_from: OptionSource,
    via_from: OptionSource,
    when_at: Option<ByteSpan>,
    via_at: Option<ByteSpan>,
    /// `via: ticket` with `when: immediate`: where each came from.
    ticket_now: Option<((ByteSpan, OptionSource), (ByteSpan, OptionSource))>,
}

/// Whether `key`, written in the entry, made it into the raw entry.
fn was_read(raw: &RawEntry, key: &str) -> bool {
    match key {
        "exclude" => raw.exclude.is_some(),
        "expect" => raw.expect.is_some(),
        "when" => raw.when.is_some(),
        "via" => raw.via.is_some(),
        "reason" => raw.reason.is_some(),
        "note" => raw.note.is_some(),
        _ => raw.selector.was_read(key),
    }
}

/// A value for a YAML help line, single-quoted (no escapes inside).
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The most objects a selector can ever match, when it names them
/// explicitly: its distinct ids, one subnet for a `cidr`, one VLAN for a
/// `number` behind a `router`.
fn most_matches(selector: &Selector) -> Option<(u64, String)> {
    let mut most: Option<(u64, String)> = None;
    let mut bound = |n: u64, why: String| {
        if most.as_ref().is_none_or(|(m, _)| n < *m) {
            most = Some((n, why));
        }
    };
    if !selector.ids.is_empty() {
        let mut ids = selector.ids.clone();
        ids.sort_unstable();
        ids.dedup();
        let n = ids.len() as u64;
        bound(
            n,
            format!("the entry lists {n} id{}", if n == 1 { "" } else { "s" }),
        );
    }
    if selector.cidr.is_some() {
        bound(1, "a `cidr` names one subnet".to_owned());
    }
    if selector.number.is_some() && selector.router.is_some() {
        bound(
            1,
            "a `number` behind one `router` names one VLAN".to_owned(),
        );
    }
    most
}

/// Three lower-case letters and two digits, such as `dal13`.
fn is_datacenter(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() == 5
        && bytes[..3].iter().all(u8::is_ascii_lowercase)
        && bytes[3..].iter().all(u8::is_ascii_digit)
}
