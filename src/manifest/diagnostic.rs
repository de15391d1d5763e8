//! Findings about manifests, as data: a stable code, a message, where it
//! was written, and what to do about it. Renderers turn them into text.

use std::fmt;

use super::node::ByteSpan;

/// How bad a finding is: errors fail validation, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// Every diagnostic the manifest reader can report. The texts are a
        /// contract (scripts match on them): never rename one, only add.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$( Code::$variant, )*];

            /// The stable text, e.g. `manifest::unknown-key`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $text, )*
                }
            }
        }
    };
}

codes! {
    /// A path given on the command line does not exist.
    PathNotFound = "manifest::path-not-found",
    /// A directory holds no `*.yaml`/`*.yml` file.
    NoManifests = "manifest::no-manifests",
    /// A file could not be read.
    ReadFailed = "manifest::read-failed",
    /// A symbolic link leads outside the tree named on the command line.
    LinkLeavesTree = "manifest::link-leaves-tree",
    /// A `/proc`-style pseudo file (its content is made when read).
    PseudoFile = "manifest::pseudo-file",
    /// A file is larger than the size cap.
    FileTooLarge = "manifest::file-too-large",
    /// A file is not valid UTF-8.
    InvalidUtf8 = "manifest::invalid-utf8",
    /// A file holds no YAML document (empty or only comments).
    EmptyFile = "manifest::empty-file",
    /// The YAML is malformed.
    YamlSyntax = "manifest::yaml-syntax",
    /// A file holds more than one YAML document.
    MultipleDocuments = "manifest::multiple-documents",
    /// Aliases, nesting or size beyond the reader's limits.
    TooComplex = "manifest::too-complex",
    /// An explicit YAML tag (`!!binary`, `!!int`, `!custom`, `!`).
    YamlTag = "manifest::yaml-tag",
    /// A `%YAML` directive other than `%YAML 1.2`.
    YamlVersion = "manifest::yaml-version",
    /// A key no manifest knows.
    UnknownKey = "manifest::unknown-key",
    /// A known key that does not apply to this kind of resource.
    KeyNotApplicable = "manifest::key-not-applicable",
    /// The same key twice in one mapping.
    DuplicateKey = "manifest::duplicate-key",
    /// A required key is missing.
    MissingKey = "manifest::missing-key",
    /// A value of the wrong type (a string where a number belongs, ...).
    WrongType = "manifest::wrong-type",
    /// An empty string or an empty list where a value is needed.
    EmptyValue = "manifest::empty-value",
    /// `version` is not 1.
    UnsupportedVersion = "manifest::unsupported-version",
    /// `account` is not a positive integer.
    InvalidAccount = "manifest::invalid-account",
    /// Files of one run pin different accounts.
    AccountMismatch = "manifest::account-mismatch",
    /// `kind` names no kind of resource.
    UnknownKind = "manifest::unknown-kind",
    /// A `retire` entry without any selector key.
    NoSelector = "manifest::no-selector",
    /// A `protect` rule without any key.
    EmptyRule = "manifest::empty-rule",
    /// An id that is not a positive integer.
    InvalidId = "manifest::invalid-id",
    /// Not an IP address (or range).
    InvalidIp = "manifest::invalid-ip",
    /// A malformed CIDR: bad prefix length, or host bits set.
    InvalidCidr = "manifest::invalid-cidr",
    /// A `name` pattern that is not a valid glob.
    InvalidGlob = "manifest::invalid-glob",
    /// A `name_regex` pattern that is not a valid regular expression (RE2 syntax).
    InvalidRegex = "manifest::invalid-regex",
    /// A `name_regex` pattern that compiles to more than the size limit.
    RegexTooLarge = "manifest::regex-too-large",
    /// A `name` glob that reads like a regular expression (a warning).
    NameLooksLikeRegex = "manifest::name-looks-like-regex",
    /// An `older_than` value that is not a duration such as `30d`.
    InvalidDuration = "manifest::invalid-duration",
    /// A `created_before` value that is not a date (YYYY-MM-DD).
    InvalidDate = "manifest::invalid-date",
    /// A `datacenter` that is not a datacenter short name such as `dal13`.
    InvalidDatacenter = "manifest::invalid-datacenter",
    /// A `router` that is not a router hostname such as `bcr01a.dal10`.
    InvalidRouter = "manifest::invalid-router",
    /// A `tag` or `tags` element that is not a usable tag.
    InvalidTag = "manifest::invalid-tag",
    /// A `power_state` that is not `running`, `halted` or `paused`.
    InvalidPowerState = "manifest::invalid-power-state",
    /// A VLAN `number` outside 1..4094.
    InvalidVlanNumber = "manifest::invalid-vlan-number",
    /// A VLAN `number` without the `router` that makes it unique.
    NumberWithoutRouter = "manifest::number-without-router",
    /// `when` is not auto, immediate or anniversary.
    InvalidWhen = "manifest::invalid-when",
    /// `via` is not api or ticket.
    InvalidVia = "manifest::invalid-via",
    /// `reason` is not one of SoftLayer's cancellation reasons.
    UnknownReason = "manifest::unknown-reason",
    /// `expect` is not a positive integer.
    InvalidExpect = "manifest::invalid-expect",
    /// `expect` asks for more objects than the entry can ever match.
    ExpectUnsatisfiable = "manifest::expect-unsatisfiable",
    /// A limit that is zero, negative or too precise.
    InvalidLimit = "manifest::invalid-limit",
    /// Keys of one entry that cannot hold together.
    ConflictingKeys = "manifest::conflicting-keys",
    /// Two entries give the same resource different `when` or `via`.
    ContradictoryOptions = "manifest::contradictory-options",
    /// No file of the run retires anything (a warning).
    NothingToRetire = "manifest::nothing-to-retire",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding points: a file, and inside it a byte range when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The display path of the file (as given on the command line).
    pub file: String,
    /// The offending bytes; `None` for findings about the whole file.
    pub span: Option<ByteSpan>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// One line saying what is wrong.
    pub message: String,
    /// Where; `None` for findings about a command-line path that has no file.
    pub location: Option<Location>,
    /// Short text printed under the underline.
    pub label: String,
    /// What to do about it (did-you-mean, the accepted values, ...).
    pub help: Option<String>,
    /// Extra context, such as where a conflicting value was first written.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span` of `file`.
    pub(crate) fn error(
        code: Code,
        file: &str,
        span: ByteSpan,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: Some(Location {
                file: file.to_owned(),
                span: Some(span),
            }),
            label: String::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// A finding about a whole file or path, with no span.
    pub(crate) fn about_file(code: Code, file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: Some(Location {
                file: file.to_owned(),
                span: None,
            }),
            label: String::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// Turns this finding into a warning.
    pub(crate) fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Sets the text under the underline.
    pub(crate) fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the help line.
    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note.
    pub(crate) fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this finding fails validation.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Counts errors and warnings.
pub fn count(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}
