//! YAML tree -> raw manifest: the shape of the file. Reports unknown,
//! duplicate, missing and misplaced keys, values of the wrong type and
//! integers out of range, and keeps going after each, so one run shows
//! every problem.

use super::diagnostic::{Code, Diagnostic};
use super::did_you_mean::did_you_mean;
use super::keys;
use super::model::Kind;
use super::node::{ByteSpan, Node, Value};
use super::number::{self, Form};
use super::raw::{
    CidrText, Datacenter, DateText, DurationText, Glob, Id, IpText, KindName, OneOrMany,
    PowerStateName, RawDefaults, RawEntry, RawLimits, RawManifest, RawProtectRule, RawSelector,
    RawVlan, ReasonText, RegexText, Router, Sp, Tag, ViaName, WhenName,
};
use super::source::SourceFile;

/// Reads the raw manifest off `root`, pushing every problem onto `diags`.
pub(crate) fn read(file: &SourceFile, root: &Node, diags: &mut Vec<Diagnostic>) -> RawManifest {
    let mut reader = Reader { file, diags };
    reader.manifest(root)
}

struct Reader<'a> {
    file: &'a SourceFile,
    diags: &'a mut Vec<Diagnostic>,
}

/// One `key: value` pair of a mapping.
struct Field<'n> {
    name: String,
    key: &'n Node,
    value: &'n Node,
}

/// What a value is, in words, for "expected X, found Y"; `written` is the
/// value as written, named for numbers in a form a manifest refuses.
fn found(value: &Value, written: &str) -> String {
    let written = written.trim();
    let form = number::form(written);
    match value {
        Value::Null => "nothing (null)".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Int(_) if matches!(form, Form::Hex | Form::Octal | Form::LeadingZero) => {
            format!("{} `{written}`", form.words())
        }
        Value::Int(_) => "an integer".to_owned(),
        Value::Float(f) if f.is_nan() => format!("`{written}` (not a number)"),
        Value::Float(f) if f.is_infinite() && form == Form::Infinity => {
            format!("`{written}` (infinity)")
        }
        Value::Float(f) if f.is_infinite() => format!("`{written}`, too large to hold"),
        Value::Float(_) if form == Form::Exponent => format!("{} `{written}`", form.words()),
        Value::Float(_) => "a decimal number".to_owned(),
        // `1_000`, `0b101`, `-0x1F`: numbers to YAML 1.1, strings to 1.2.
        Value::Str(_)
            if !written.starts_with(['\'', '"'])
                && matches!(
                    form,
                    Form::Underscored | Form::Binary | Form::Hex | Form::Octal
                ) =>
        {
            format!("`{written}`, a string in YAML 1.2")
        }
        Value::Str(_) => "a string".to_owned(),
        Value::Seq(_) => "a list".to_owned(),
        Value::Map(_) => "a mapping".to_owned(),
    }
}

/// The decimal spelling of a number written in a form a manifest refuses
/// (`0x1F`, `0o17`, `0b101`, `1_000`, `012`, `1e3`), for the help.
fn in_decimal(written: &str) -> Option<String> {
    let written = written.trim();
    let (negative, unsigned) = match written.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, written.strip_prefix('+').unwrap_or(written)),
    };
    let clean = unsigned.replace('_', "").to_ascii_lowercase();
    let value = if let Some(d) = clean.strip_prefix("0x") {
        i128::from_str_radix(d, 16).ok()?
    } else if let Some(d) = clean.strip_prefix("0o") {
        i128::from_str_radix(d, 8).ok()?
    } else if let Some(d) = clean.strip_prefix("0b") {
        i128::from_str_radix(d, 2).ok()?
    } else if let Ok(i) = clean.parse::<i128>() {
        i
    } else {
        let f: f64 = clean.parse().ok()?;
        if !f.is_finite() || f.fract() != 0.0 || f.abs() > 1e18 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        let i = f as i128;
        i
    };
    Some(if negative { -value } else { value }.to_string())
}

/// What a key takes, for the help on a value of the wrong type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A number without quotes.
    Integer,
    /// Text, so a bare number or boolean wants quotes.
    Text,
    /// A list, a mapping or anything else.
    Other,
}

/// How a key is written, and how its list form is, for the help on a
/// value of the wrong type.
fn example(what: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match what {
        "version" => ("version: 1", None),
        "account" => ("account: 278184", None),
        "defaults" => (
            "defaults: {when: immediate, reason: No longer needed}",
            None,
        ),
        "protect" => ("protect: [{tag: keep}, {name: \"prod-*\"}]", None),
        "limits" => (
            "limits: {max_resources: 50, max_monthly_fee: 5000.00}",
            None,
        ),
        "retire" => ("retire: [{kind: virtual_guest, id: 12345678}]", None),
        "a protect rule" => ("- tag: keep", None),
        "id" => ("id: 12345678", Some("id: [12345678, 12345679]")),
        "ip" => (
            "ip: 10.48.66.132",
            Some("ip: [10.48.66.132, 10.48.66.0/24]"),
        ),
        "name" => ("name: \"ci-runner-*\"", Some("name: [web-01, web-02]")),
        "name_regex" => (
            "name_regex: \"^ci-runner-[0-9]+$\"",
            Some("name_regex: [\"^web-[0-9]+$\", \"^db-[0-9]+$\"]"),
        ),
        // Two forms, neither a list: both shown as the example.
        "vlan" => (
            "vlan: 563298` or `vlan: {number: 1234, router: bcr01a.dal10}",
            None,
        ),
        "untagged" => ("untagged: true", None),
        "power_state" => ("power_state: halted", None),
        "hourly" => ("hourly: true", None),
        "notes" => (
            "notes: \"*decommission*\"",
            Some("notes: [\"*retire*\", \"*old*\"]"),
        ),
        "exclude" => ("exclude: {tags: keep}", None),
        "tag" => ("tag: keep", Some("tag: [keep, prod]")),
        "tags" => ("tags: ephemeral", Some("tags: [ephemeral, ci]")),
        "cidr" => ("cidr: 10.0.0.0/26", None),
        "number" => ("number: 1234", None),
        "router" => ("router: bcr01a.dal10", None),
        "datacenter" => ("datacenter: dal13", None),
        "older_than" => ("older_than: 30d", None),
        "created_before" => ("created_before: 2026-10-01", None),
        "expect" => ("expect: 4", None),
        "when" => ("when: immediate", None),
        "via" => ("via: ticket", None),
        "reason" => ("reason: No longer needed", None),
        "note" => ("note: \"OPS-1234 retire the staging estate\"", None),
        "max_resources" => ("max_resources: 50", None),
        "max_monthly_fee" => ("max_monthly_fee: 5000.00", None),
        _ => return None,
    })
}

/// The keys every manifest must have, whose null value must not be
/// answered with "remove it".
const REQUIRED_TOP_KEYS: [(&str, &str); 3] = [
    ("version", "write `version: 1`"),
    (
        "account",
        "give `account` the account id, e.g. `account: 278184`",
    ),
    (
        "retire",
        "give `retire` a list of entries, or `retire: []` for a file that only holds protect rules",
    ),
];

/// An integer written in decimal that the YAML reader could not hold in
/// 64 bits and so read as a decimal number: its value (saturated beyond
/// `i128`), so it is reported as out of range rather than as a fraction.
fn huge_integer(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let saturated = if negative { i128::MIN } else { i128::MAX };
    Some(text.parse::<i128>().unwrap_or(saturated))
}

/// The span of `node` and everything inside it, so a wrong list or mapping
/// is underlined from where it starts to where it ends, the closing `]` or
/// `}` of a flow collection included.
fn extent(text: &str, node: &Node) -> ByteSpan {
    let mut span = node.span;
    let children: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Map(entries) => entries.iter().flat_map(|(k, v)| [k, v]).collect(),
        _ => return span,
    };
    for child in children {
        // A child brought in by an alias or a merge sits, in this
        // collection, where the alias is written.
        let inner = match child.via {
            Some(at) if child.via != node.via => at,
            _ => extent(text, child),
        };
        if inner.end > span.end && inner.start >= span.start {
            span.end = inner.end;
        }
    }
    let opener = text.as_bytes().get(span.start).copied();
    if let Some(closer) = match opener {
        Some(b'[') => Some(b']'),
        Some(b'{') => Some(b'}'),
        _ => None,
    } && let Some(end) = closing_bracket(text, span.end.max(span.start + 1), closer)
    {
        span.end = end;
    }
    span
}

/// The offset just past `closer` when only blanks, line breaks, commas
/// and comments stand between `from` and it (the end of a flow
/// collection's last item and its closing bracket).
fn closing_bracket(text: &str, from: usize, closer: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(&b) = bytes.get(at) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b',' => at += 1,
            b'#' => {
                at = text[at..].find('\n').map_or(bytes.len(), |i| at + i);
            }
            b if b == closer => return Some(at + 1),
            _ => return None,
        }
    }
    None
}

impl Reader<'_> {
    fn push(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    fn error(&self, code: Code, span: ByteSpan, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, &self.file.name, span, message)
    }

    fn line_of(&self, span: ByteSpan) -> usize {
        self.file.line_col(span.start).line
    }

    /// `what` is a key name (shown in backticks) or a phrase such as
    /// "a retire entry".
    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str, shape: Shape) {
        let subject = if what.contains(' ') {
            what.to_owned()
        } else {
            format!("`{what}`")
        };
        let mut help = None;
        let written = self.source_text(node.span).trim();
        match (&node.value, shape) {
            (Value::Str(s), Shape::Integer) if s.trim().parse::<i128>().is_ok() => {
                help = Some("write the number without quotes".to_owned());
            }
            // `1_000`, `0b101`, `-0x1F`: strings in YAML 1.2, and numbers
            // are written in plain decimal anyway.
            (Value::Str(s), Shape::Integer)
                if !written.starts_with(['\'', '"'])
                    && number::form(s) != Form::Other
                    && let Some(decimal) = in_decimal(s) =>
            {
                help = Some(format!(
                    "numbers in a manifest are plain decimal: write `{decimal}`"
                ));
            }
            (Value::Float(f), Shape::Integer)
                if f.is_finite()
                    && number::form(written) == Form::Exponent
                    && let Some(decimal) = in_decimal(written) =>
            {
                help = Some(format!(
                    "numbers in a manifest are plain decimal: write `{decimal}`"
                ));
            }
            (_, _) if what == "kind" => {
                let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                help = Some(format!("kinds: {}", kinds.join(", ")));
            }
            (Value::Int(_) | Value::Float(_) | Value::Bool(_), Shape::Text) => {
                let text = self.source_text(node.span);
                help = Some(format!("quote it: `\"{text}\"`"));
            }
            (Value::Null, _) => {
                help = Some(
                    match REQUIRED_TOP_KEYS.iter().find(|(key, _)| *key == what) {
                        Some((_, required)) => (*required).to_owned(),
                        None => format!("give {subject} a value or remove it"),
                    },
                );
            }
            (_, Shape::Other) if what == "a retire entry" => {
                help = Some(
                    "write each entry as a mapping: `- kind: virtual_guest` and its keys below"
                        .to_owned(),
                );
            }
            _ => {}
        }
        // Every finding has a help line: when nothing above fits, show
        // how the key is written.
        let help = help.or_else(|| {
            example(what).map(|(example, plural)| match plural {
                Some(list) => format!("for example `{example}`, or a list: `{list}`"),
                None => format!("for example `{example}`"),
            })
        });
        let help = help.unwrap_or_else(|| format!("write {expected} here"));
        let diag = self
            .error(
                Code::WrongType,
                self.extent(node),
                format!(
                    "{subject} must be {expected}, found {}",
                    found(&node.value, self.source_text(node.span))
                ),
            )
            .label(format!("expected {expected}"))
            .help(help);
        let diag = self.via_note(diag, node);
        self.push(diag);
    }

    fn extent(&self, node: &Node) -> ByteSpan {
        extent(&self.file.text, node)
    }

    /// Adds where a value reached through an alias or a merge is used, as
    /// the finding points at where it is written.
    fn via_note(&self, diag: Diagnostic, node: &Node) -> Diagnostic {
        let Some(via) = node.via else {
            return diag;
        };
        let line = self.line_of(via);
        let line_start = self.file.line_span(line).start;
        let merged = self
            .file
            .text
            .get(line_start..via.start)
            .is_some_and(|before| before.contains("<<"));
        match (merged, self.source_text(via).strip_prefix('*')) {
            (true, Some(alias)) => diag.note(format!("merged in by `<<: *{alias}` on line {line}")),
            (true, None) => diag.note(format!("merged in by the `<<` on line {line}")),
            (false, Some(alias)) => {
                diag.note(format!("used through the alias `*{alias}` on line {line}"))
            }
            (false, None) => diag.note(format!("used on line {line}")),
        }
    }

    fn source_text(&self, span: ByteSpan) -> &str {
        self.file.text.get(span.start..span.end).unwrap_or("")
    }

    /// The pairs of a mapping, with duplicates reported (the first wins).
    /// `None` (reported) when `node` is not a mapping.
    fn fields<'n>(&mut self, node: &'n Node, what: &str, context: &str) -> Option<Vec<Field<'n>>> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, what, "a mapping", Shape::Other);
            return None;
        };
        let mut fields: Vec<Field<'n>> = Vec::new();
        for (key, value) in entries {
            let name = match &key.value {
                Value::Str(s) => s.clone(),
                Value::Seq(_) | Value::Map(_) => {
                    let diag = self
                        .error(
                            Code::WrongType,
                            self.extent(key),
                            format!(
                                "a key in {context} is {}",
                                found(&key.value, self.source_text(key.span))
                            ),
                        )
                        .label("keys must be plain words")
                        .help("write `key: value` pairs");
                    self.push(diag);
                    continue;
                }
                _ => self.source_text(key.span).to_owned(),
            };
            if let Some(first) = fields.iter().find(|f| f.name == name) {
                let first_line = self.line_of(first.key.span);
                let diag = self
                    .error(
                        Code::DuplicateKey,
                        key.span,
                        format!("duplicate key `{name}` in {context}"),
                    )
                    .label("written again here")
                    .help("keep one of them; YAML mappings take each key once")
                    .note(format!("first written on line {first_line}"));
                self.push(diag);
                continue;
            }
            fields.push(Field { name, key, value });
        }
        Some(fields)
    }

    fn unknown_key(&mut self, field: &Field<'_>, context: &str, candidates: &[&str]) {
        let help = match did_you_mean(&field.name, candidates.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("known keys: {}", candidates.join(", ")),
        };
        let diag = self
            .error(
                Code::UnknownKey,
                field.key.span,
                format!("unknown key `{}` in {context}", field.name),
            )
            .label("unknown key")
            .help(help);
        let diag = self.via_note(diag, field.key);
        self.push(diag);
    }

    fn missing_key(&mut self, span: ByteSpan, key: &str, context: &str, help: String) {
        // A caret where the mapping starts: the key is missing there, and
        // underlining a neighbouring key would blame the wrong one.
        let at = ByteSpan {
            start: span.start,
            end: span.start,
        };
        let diag = self
            .error(Code::MissingKey, at, format!("{context} has no `{key}`"))
            .label(format!("`{key}` is required"))
            .help(help);
        self.push(diag);
    }

    /// The span an "is missing" finding points at: the mapping's first key.
    /// For a key merged in (`<<: *a`), where the merge is written, so a
    /// finding about the mapping points into it, not into the template.
    fn start_of(node: &Node) -> ByteSpan {
        match &node.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(k, _)| match k.via {
                    Some(at) if k.via != node.via => at,
                    _ => k.span,
                })
                .min()
                .unwrap_or(node.span),
            _ => node.span,
        }
    }

    // ---- scalars -------------------------------------------------------

    fn integer(&mut self, node: &Node, what: &str) -> Option<i128> {
        let written = self.source_text(node.span);
        match node.value {
            Value::Int(i) => match number::form(written) {
                form @ (Form::Hex | Form::Octal | Form::LeadingZero) => {
                    self.not_plain_decimal(node, what, form, Some(i));
                    None
                }
                // Plain decimal, or a tagged scalar (`!!int '12'`).
                _ => Some(i),
            },
            Value::Float(_) if let Some(i) = huge_integer(self.source_text(node.span)) => Some(i),
            _ => {
                self.wrong_type(node, what, "an integer", Shape::Integer);
                None
            }
        }
    }

    /// A number written in a form YAML tools read differently, or that
    /// hides its value (`0x1F`, `0o17`, `012`): refused with its value in
    /// decimal, so the fix is one copy away.
    fn not_plain_decimal(&mut self, node: &Node, what: &str, form: Form, value: Option<i128>) {
        let written = self.source_text(node.span).trim().to_owned();
        let decimal = value
            .map(|v| v.to_string())
            .or_else(|| in_decimal(&written));
        let help = match (form, decimal) {
            (Form::LeadingZero, Some(d)) => format!(
                "write `{d}`: YAML 1.1 tools read a leading zero as octal, YAML 1.2 tools as decimal"
            ),
            (_, Some(d)) => format!("write it in decimal: `{d}`"),
            (_, None) => "write the number in plain decimal digits".to_owned(),
        };
        let diag = self
            .error(
                Code::WrongType,
                node.span,
                format!(
                    "`{what}` must be written in plain decimal, found {} `{written}`",
                    form.words()
                ),
            )
            .label("not plain decimal")
            .help(help);
        let diag = self.via_note(diag, node);
        self.push(diag);
    }

    /// An integer as written: the value, or the digits when the value is
    /// beyond what the reader holds exactly.
    fn shown_integer(&self, node: &Node, value: i128) -> String {
        match node.value {
            Value::Int(_) => value.to_string(),
            _ => self.source_text(node.span).trim().to_owned(),
        }
    }

    /// An integer in `min..=max`; otherwise `code` with `help`.
    fn bounded(
        &mut self,
        node: &Node,
        what: &str,
        (min, max): (i128, i128),
        code: Code,
        help: &str,
    ) -> Option<Sp<i128>> {
        let value = self.integer(node, what)?;
        if value < min || value > max {
            let diag = self
                .error(
                    code,
                    node.span,
                    format!(
                        "`{what}` must be {}, found {}",
                        range_words(min, max, value),
                        self.shown_integer(node, value)
                    ),
                )
                .label(if value > max {
                    "out of range: too large"
                } else {
                    "out of range"
                })
                .help(help);
            let diag = self.via_note(diag, node);
            self.push(diag);
            return None;
        }
        Some(Sp {
            value,
            span: node.span,
        })
    }

    /// A non-empty string.
    fn string(&mut self, node: &Node, what: &str) -> Option<Sp<String>> {
        match &node.value {
            Value::Str(s) if s.trim().is_empty() => {
                let diag = self
                    .error(
                        Code::EmptyValue,
                        self.extent(node),
                        format!("`{what}` is empty"),
                    )
                    .label("empty")
                    .help(format!("give `{what}` a value or remove the key"));
                let diag = self.via_note(diag, node);
                self.push(diag);
                None
            }
            Value::Str(s) => Some(Sp {
                value: s.clone(),
                span: node.span,
            }),
            _ => {
                self.wrong_type(node, what, "a string", Shape::Text);
                None
            }
        }
    }

    fn text<T>(&mut self, node: &Node, what: &str, wrap: fn(String) -> T) -> Option<Sp<T>> {
        self.string(node, what).map(|s| Sp {
            value: wrap(s.value),
            span: s.span,
        })
    }

    /// One value or a non-empty list of them; bad elements are reported and
    /// dropped, the list survives if any element is good.
    fn one_or_many<T>(
        &mut self,
        node: &Node,
        what: &str,
        mut element: impl FnMut(&mut Self, &Node) -> Option<Sp<T>>,
    ) -> Option<Sp<OneOrMany<T>>> {
        let (expected, shape) = match what {
            "id" => ("an integer or a list of them", Shape::Integer),
            "ip" => ("an IP address or a list of them", Shape::Text),
            "name" => ("a name or a list of names", Shape::Text),
            "name_regex" => ("a regular expression or a list of them", Shape::Text),
            "notes" => ("a glob or a list of globs", Shape::Text),
            "tag" | "tags" => ("a tag or a list of tags", Shape::Text),
            _ => ("a string or a list of them", Shape::Text),
        };
        // A lone value of the wrong type is reported here, not by
        // `element`, so the message says that a list is allowed too.
        let fits = match (&node.value, shape) {
            (Value::Seq(_), _) | (Value::Str(_), Shape::Text) | (Value::Int(_), Shape::Integer) => {
                true
            }
            (Value::Float(_), Shape::Integer) => {
                huge_integer(self.source_text(node.span)).is_some()
            }
            _ => false,
        };
        if !fits {
            self.wrong_type(node, what, expected, shape);
            return None;
        }
        match &node.value {
            Value::Seq(items) if items.is_empty() => {
                let diag = self
                    .error(
                        Code::EmptyValue,
                        self.extent(node),
                        format!("`{what}` is an empty list"),
                    )
                    .label("empty list")
                    .help(format!("list at least one value, or remove `{what}`"));
                self.push(diag);
                None
            }
            Value::Seq(items) => {
                let good: Vec<Sp<T>> = items
                    .iter()
                    .filter_map(|item| element(self, item))
                    .collect();
                (!good.is_empty()).then(|| Sp {
                    value: OneOrMany(good),
                    span: self.extent(node),
                })
            }
            _ => element(self, node).map(|one| Sp {
                span: one.span,
                value: OneOrMany(vec![one]),
            }),
        }
    }

    fn ids(&mut self, node: &Node) -> Option<Sp<OneOrMany<Id>>> {
        self.one_or_many(node, "id", |r, item| {
            let value = r.bounded(
                item,
                "id",
                (1, i128::from(u64::MAX)),
                Code::InvalidId,
                "ids are the positive numbers SoftLayer shows for each object",
            )?;
            Some(Sp {
                value: Id(u64::try_from(value.value).ok()?),
                span: value.span,
            })
        })
    }

    fn kind(&mut self, node: &Node) -> Option<(Sp<KindName>, Kind)> {
        let name = self.string(node, "kind")?;
        match Kind::parse(&name.value) {
            Some(kind) => Some((
                Sp {
                    value: KindName(name.value),
                    span: name.span,
                },
                kind,
            )),
            None => {
                let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                let help = match did_you_mean(&name.value, kinds.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("kinds: {}", kinds.join(", ")),
                };
                let diag = self
                    .error(
                        Code::UnknownKind,
                        name.span,
                        format!("unknown kind `{}`", name.value),
                    )
                    .label("unknown kind")
                    .help(help);
                self.push(diag);
                None
            }
        }
    }

    // ---- structure -----------------------------------------------------

    fn manifest(&mut self, root: &Node) -> RawManifest {
        let mut raw = RawManifest::default();
        let Some(fields) = self.fields(root, "the manifest", "the manifest") else {
            return raw;
        };
        for field in &fields {
            let value = field.value;
            match field.name.as_str() {
                "version" => {
                    let Some(version) = self.integer(value, "version") else {
                        continue;
                    };
                    if version == 1 {
                        raw.version = Some(Sp {
                            value: 1,
                            span: value.span,
                        });
                    } else {
                        let diag = self
                            .error(
                                Code::UnsupportedVersion,
                                value.span,
                                format!(
                                    "unsupported manifest version {}",
                                    self.shown_integer(value, version)
                                ),
                            )
                            .label("only version 1 exists")
                            .help("this slretire reads `version: 1` manifests");
                        self.push(diag);
                    }
                }
                "account" => {
                    raw.account = self
                        .bounded(
                            value,
                            "account",
                            (1, i128::from(u64::MAX)),
                            Code::InvalidAccount,
                            "the account id is the number `slcli account summary` shows",
                        )
                        .and_then(|v| {
                            Some(Sp {
                                value: u64::try_from(v.value).ok()?,
                                span: v.span,
                            })
                        });
                }
                "defaults" => raw.defaults = self.defaults(value),
                "protect" => raw.protect = self.list(value, "protect", Self::protect_rule),
                "limits" => raw.limits = self.limits(value),
                "retire" => raw.retire = self.list(value, "retire", Self::entry),
                _ => self.unknown_key(field, "the manifest", keys::TOP_KEYS),
            }
        }
        let start = Self::start_of(root);
        for (key, help) in [
            ("version", "start the file with `version: 1`".to_owned()),
            (
                "account",
                "add `account: <id>`, the account the credentials must belong to".to_owned(),
            ),
            (
                "retire",
                "add `retire:` with the entries to retire (`retire: []` for a file of protect rules)"
                    .to_owned(),
            ),
        ] {
            if !fields.iter().any(|f| f.name == key) {
                self.missing_key(start, key, "the manifest", help);
            }
        }
        raw
    }

    fn list<T>(
        &mut self,
        node: &Node,
        what: &str,
        mut item: impl FnMut(&mut Self, &Node) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Value::Seq(items) = &node.value else {
            self.wrong_type(node, what, "a list", Shape::Other);
            return None;
        };
        Some(items.iter().filter_map(|i| item(self, i)).collect())
    }

    fn defaults(&mut self, node: &Node) -> Option<RawDefaults> {
        let fields = self.fields(node, "defaults", "`defaults`")?;
        let mut raw = RawDefaults::default();
        for field in &fields {
            let value = field.value;
            match field.name.as_str() {
                "when" => raw.when = self.text(value, "when", WhenName),
                "via" => raw.via = self.text(value, "via", ViaName),
                "reason" => raw.reason = self.text(value, "reason", ReasonText),
                "note" => raw.note = self.string(value, "note"),
                _ => self.unknown_key(field, "`defaults`", keys::DEFAULT_KEYS),
            }
        }
        Some(raw)
    }

    fn limits(&mut self, node: &Node) -> Option<RawLimits> {
        let fields = self.fields(node, "limits", "`limits`")?;
        let mut raw = RawLimits::default();
        for field in &fields {
            let value = field.value;
            match field.name.as_str() {
                "max_resources" => {
                    raw.max_resources = self
                        .bounded(
                            value,
                            "max_resources",
                            (1, i128::from(u32::MAX)),
                            Code::InvalidLimit,
                            "a limit of 0 would refuse every plan; remove the key for no limit",
                        )
                        .map(|v| Sp {
                            value: u64::try_from(v.value).unwrap_or(u64::MAX),
                            span: v.span,
                        });
                }
                "max_monthly_fee" => raw.max_monthly_fee = self.fee(value),
                _ => self.unknown_key(field, "`limits`", keys::LIMIT_KEYS),
            }
        }
        Some(raw)
    }

    /// A positive amount with at most two decimals (cents).
    fn fee(&mut self, node: &Node) -> Option<Sp<f64>> {
        let form = number::form(self.source_text(node.span));
        #[allow(clippy::cast_precision_loss)]
        let amount = match node.value {
            Value::Int(_) | Value::Float(_)
                if matches!(
                    form,
                    Form::Hex | Form::Octal | Form::LeadingZero | Form::Exponent
                ) =>
            {
                self.not_plain_decimal(node, "max_monthly_fee", form, None);
                return None;
            }
            Value::Int(i) => i as f64,
            Value::Float(f) if f.is_finite() => f,
            _ => {
                self.wrong_type(node, "max_monthly_fee", "a number", Shape::Integer);
                return None;
            }
        };
        let cents = amount * 100.0;
        let problem = if !amount.is_finite() || amount <= 0.0 {
            Some("must be a positive amount")
        } else if (cents - cents.round()).abs() > 1e-6 {
            Some("has more than two decimals")
        } else if cents > 1e15 {
            Some("is too large")
        } else {
            None
        };
        if let Some(problem) = problem {
            let diag = self
                .error(
                    Code::InvalidLimit,
                    node.span,
                    format!(
                        "`max_monthly_fee` {problem}: {}",
                        self.source_text(node.span)
                    ),
                )
                .label("not a usable amount")
                .help("write the amount in the account currency, e.g. `5000.00`");
            self.push(diag);
            return None;
        }
        Some(Sp {
            value: amount,
            span: node.span,
        })
    }

    fn protect_rule(&mut self, node: &Node) -> Option<RawProtectRule> {
        let context = match peek_kind(node) {
            Some(kind) => format!("a protect rule for {kind}"),
            None => "a protect rule".to_owned(),
        };
        let fields = self.fields(node, "a protect rule", &context)?;
        let mut raw = RawProtectRule {
            span: Self::start_of(node),
            ..RawProtectRule::default()
        };
        let kind = fields
            .iter()
            .find(|f| f.name == "kind")
            .and_then(|f| self.kind(f.value));
        for field in &fields {
            let value = field.value;
            if field.name == "kind" {
                raw.kind = kind.as_ref().map(|(name, _)| name.clone());
                continue;
            }
            if !keys::PROTECT_KEYS.contains(&field.name.as_str()) {
                self.unknown_key(field, &context, keys::PROTECT_KEYS);
                continue;
            }
            if let Some((_, k)) = &kind
                && !keys::applies(keys::protect_key_as_entry_key(&field.name), *k)
            {
                let allowed: Vec<&str> = keys::PROTECT_KEYS
                    .iter()
                    .copied()
                    .filter(|key| keys::applies(keys::protect_key_as_entry_key(key), *k))
                    .collect();
                self.not_applicable(field, *k, &context, &allowed);
                continue;
            }
            if field.name == "tag" {
                raw.tag = self.one_or_many(value, "tag", |r, n| r.text(n, "tag", Tag));
            } else {
                self.selector_key(&mut raw.selector, &field.name, value);
            }
        }
        if fields.is_empty() {
            let diag = self
                .error(
                    Code::EmptyRule,
                    self.extent(node),
                    "a protect rule without any key",
                )
                .label("empty rule")
                .help(format!(
                    "give the rule at least one of: {}",
                    keys::PROTECT_KEYS.join(", ")
                ));
            self.push(diag);
            return None;
        }
        Some(raw)
    }

    fn not_applicable(&mut self, field: &Field<'_>, kind: Kind, context: &str, allowed: &[&str]) {
        let help = match keys::why_not(keys::protect_key_as_entry_key(&field.name), kind) {
            Some(why) => format!("{why}; keys for {kind}: {}", allowed.join(", ")),
            None => format!("keys for {kind}: {}", allowed.join(", ")),
        };
        let diag = self
            .error(
                Code::KeyNotApplicable,
                field.key.span,
                format!("`{}` does not apply to {context}", field.name),
            )
            .label(format!("not a {kind} key"))
            .help(help);
        let diag = self.via_note(diag, field.key);
        self.push(diag);
    }

    fn entry(&mut self, node: &Node) -> Option<RawEntry> {
        let context = match peek_kind(node) {
            Some(kind) => format!("a {kind} entry"),
            None => "a retire entry".to_owned(),
        };
        let fields = self.fields(node, "a retire entry", &context)?;
        let mut raw = RawEntry {
            span: Self::start_of(node),
            ..RawEntry::default()
        };
        let kind = match fields.iter().find(|f| f.name == "kind") {
            Some(f) => self.kind(f.value),
            None => {
                let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                self.missing_key(
                    raw.span,
                    "kind",
                    "a retire entry",
                    format!("add `kind:` with one of {}", kinds.join(", ")),
                );
                None
            }
        };
        let all_keys: Vec<&str> = keys::entry_keys().collect();
        for field in &fields {
            let value = field.value;
            let name = field.name.as_str();
            if name == "kind" {
                raw.kind = kind.as_ref().map(|(name, _)| name.clone());
                continue;
            }
            if !all_keys.contains(&name) {
                let candidates = kind
                    .as_ref()
                    .map_or(all_keys.clone(), |(_, k)| keys::keys_for(*k));
                self.unknown_key(field, &context, &candidates);
                continue;
            }
            if let Some((_, k)) = &kind
                && !keys::applies(name, *k)
            {
                self.not_applicable(field, *k, &context, &keys::keys_for(*k));
                continue;
            }
            raw.written.push(field.name.clone());
            if self.selector_key(&mut raw.selector, name, value) {
                continue;
            }
            match name {
                "exclude" => {
                    raw.exclude = self.exclude(value, kind.as_ref().map(|(_, k)| *k), &context);
                }
                "expect" => {
                    raw.expect = self
                        .bounded(
                            value,
                            "expect",
                            (1, i128::from(u32::MAX)),
                            Code::InvalidExpect,
                            "`expect` is the exact number of resources the entry must match; \
                             remove the entry to retire nothing",
                        )
                        .map(|v| Sp {
                            value: u64::try_from(v.value).unwrap_or(0),
                            span: v.span,
                        });
                }
                "when" => raw.when = self.text(value, "when", WhenName),
                "via" => raw.via = self.text(value, "via", ViaName),
                "reason" => raw.reason = self.text(value, "reason", ReasonText),
                "note" => raw.note = self.string(value, "note"),
                _ => {}
            }
        }
        Some(raw)
    }

    /// `older_than` is a string; a bare number gets a hint about units.
    fn duration(&mut self, node: &Node) -> Option<Sp<DurationText>> {
        if let Value::Int(n) = node.value {
            let diag = self
                .error(
                    Code::InvalidDuration,
                    node.span,
                    format!("`older_than` needs a unit: {n}"),
                )
                .label("no unit")
                .help(format!(
                    "write `{n}d` for days, `{n}h` for hours or `{n}w` for weeks"
                ));
            self.push(diag);
            return None;
        }
        self.text(node, "older_than", DurationText)
    }

    /// `true` or `false`.
    fn boolean(&mut self, node: &Node, what: &str) -> Option<Sp<bool>> {
        if let Value::Bool(value) = node.value {
            return Some(Sp {
                value,
                span: node.span,
            });
        }
        self.wrong_type(node, what, "`true` or `false`", Shape::Other);
        None
    }

    /// Reads selector key `name` into `raw`; `false` when it is not one.
    fn selector_key(&mut self, raw: &mut RawSelector, name: &str, value: &Node) -> bool {
        match name {
            "id" => raw.id = self.ids(value),
            "ip" => raw.ip = self.one_or_many(value, "ip", |r, n| r.text(n, "ip", IpText)),
            "name" => raw.name = self.one_or_many(value, "name", |r, n| r.text(n, "name", Glob)),
            "name_regex" => {
                raw.name_regex = self.one_or_many(value, "name_regex", |r, n| {
                    r.text(n, "name_regex", RegexText)
                });
            }
            "cidr" => raw.cidr = self.text(value, "cidr", CidrText),
            "number" => raw.number = self.vlan_number(value, "number"),
            "router" => raw.router = self.text(value, "router", Router),
            "vlan" => raw.vlan = self.vlan(value),
            "datacenter" => raw.datacenter = self.text(value, "datacenter", Datacenter),
            "tags" => raw.tags = self.one_or_many(value, "tags", |r, n| r.text(n, "tags", Tag)),
            "untagged" => raw.untagged = self.boolean(value, "untagged"),
            "older_than" => raw.older_than = self.duration(value),
            "created_before" => {
                raw.created_before = self.text(value, "created_before", DateText);
            }
            "power_state" => raw.power_state = self.text(value, "power_state", PowerStateName),
            "hourly" => raw.hourly = self.boolean(value, "hourly"),
            "notes" => {
                raw.notes = self.one_or_many(value, "notes", |r, n| r.text(n, "notes", Glob));
            }
            _ => return false,
        }
        raw.written.push(name.to_owned());
        true
    }

    fn vlan_number(&mut self, node: &Node, what: &str) -> Option<Sp<u16>> {
        self.bounded(
            node,
            what,
            (1, 4094),
            Code::InvalidVlanNumber,
            "802.1Q VLAN numbers run from 1 to 4094",
        )
        .map(|v| Sp {
            value: u16::try_from(v.value).unwrap_or(0),
            span: v.span,
        })
    }

    /// `vlan: 563298` (an id) or `vlan: {number: 1234, router: bcr01a.dal10}`.
    fn vlan(&mut self, node: &Node) -> Option<Sp<RawVlan>> {
        match &node.value {
            Value::Int(_) | Value::Float(_) => {
                let id = self.bounded(
                    node,
                    "vlan",
                    (1, i128::from(u64::MAX)),
                    Code::InvalidId,
                    "a VLAN is named by its id (the positive number SoftLayer shows for it), \
                     or by `{number: 1234, router: bcr01a.dal10}`",
                )?;
                Some(Sp {
                    value: RawVlan::Id(u64::try_from(id.value).ok()?),
                    span: id.span,
                })
            }
            Value::Map(_) => {
                let fields = self.fields(node, "vlan", "`vlan`")?;
                let (mut number, mut router) = (None, None);
                for field in &fields {
                    match field.name.as_str() {
                        "number" => number = self.vlan_number(field.value, "number"),
                        "router" => router = self.text(field.value, "router", Router),
                        _ => self.unknown_key(field, "`vlan`", &["number", "router"]),
                    }
                }
                let written = |key: &str| fields.iter().any(|f| f.name == key);
                match (number, router) {
                    (Some(number), Some(router)) => Some(Sp {
                        value: RawVlan::Number { number, router },
                        span: self.extent(node),
                    }),
                    (Some(number), None) if !written("router") => {
                        let diag = self
                            .error(
                                Code::NumberWithoutRouter,
                                number.span,
                                "a VLAN `number` without its `router`",
                            )
                            .label("ambiguous: the same number exists behind many routers")
                            .help("VLAN numbers are unique per router only; write `vlan: {number: 1234, router: bcr01a.dal10}`");
                        self.push(diag);
                        None
                    }
                    (_, _) if !written("number") => {
                        self.missing_key(
                            Self::start_of(node),
                            "number",
                            "`vlan`",
                            "name the VLAN by its id (`vlan: 563298`) or by `{number: 1234, router: bcr01a.dal10}`".to_owned(),
                        );
                        None
                    }
                    _ => None,
                }
            }
            _ => {
                self.wrong_type(
                    node,
                    "vlan",
                    "a VLAN id or a mapping of `number` and `router`",
                    Shape::Other,
                );
                None
            }
        }
    }

    /// An entry's `exclude`: selector keys of the entry's kind.
    fn exclude(
        &mut self,
        node: &Node,
        kind: Option<Kind>,
        context: &str,
    ) -> Option<Sp<RawSelector>> {
        let within = format!("the `exclude` of {context}");
        let fields = self.fields(node, "exclude", &within)?;
        if fields.is_empty() {
            let diag = self
                .error(Code::EmptyValue, self.extent(node), "`exclude` is empty")
                .label("excludes nothing")
                .help("give `exclude` the selector keys of what to leave out, e.g. `exclude: {tags: keep}`, or remove it");
            self.push(diag);
            return None;
        }
        let mut raw = RawSelector {
            span: Self::start_of(node),
            ..RawSelector::default()
        };
        let selectors: Vec<&str> = match kind {
            Some(k) => keys::selector_keys(k).to_vec(),
            None => keys::SELECTOR_KEYS.to_vec(),
        };
        for field in &fields {
            let name = field.name.as_str();
            if !keys::SELECTOR_KEYS.contains(&name) {
                if keys::entry_keys().any(|k| k == name) {
                    let why = if name == "kind" {
                        "`exclude` leaves out objects of the entry's own kind".to_owned()
                    } else {
                        format!("`{name}` belongs to the entry itself")
                    };
                    let diag = self
                        .error(
                            Code::KeyNotApplicable,
                            field.key.span,
                            format!("`{name}` does not apply inside `exclude`"),
                        )
                        .label("not a selector key")
                        .help(format!(
                            "{why}; `exclude` takes selector keys: {}",
                            selectors.join(", ")
                        ));
                    let diag = self.via_note(diag, field.key);
                    self.push(diag);
                } else {
                    self.unknown_key(field, &within, &selectors);
                }
                continue;
            }
            if let Some(k) = kind
                && !keys::applies(name, k)
            {
                self.not_applicable(field, k, &within, &selectors);
                continue;
            }
            self.selector_key(&mut raw, name, field.value);
        }
        Some(Sp {
            value: raw,
            span: self.extent(node),
        })
    }
}

/// The kind a mapping names, if it names a valid one, before its keys are
/// read (so even a duplicate key is reported "in a storage entry").
fn peek_kind(node: &Node) -> Option<Kind> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    entries
        .iter()
        .find_map(|(key, value)| match (&key.value, &value.value) {
            (Value::Str(k), Value::Str(v)) if k == "kind" => Kind::parse(v),
            _ => None,
        })
}

fn range_words(min: i128, max: i128, value: i128) -> String {
    if min == max {
        format!("{min}")
    } else if value > max && max >= i128::from(u32::MAX) {
        format!("at most {max}")
    } else if min == 1 && max >= i128::from(u32::MAX) {
        "a positive integer".to_owned()
    } else {
        format!("between {min} and {max}")
    }
}
