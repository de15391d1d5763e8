//! The codes of failed plan guards: stable texts scripts match on, listed
//! and documented by test (`docs/plan-format.md`). Never rename one, only add.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// Why a plan failed a guard.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$( Code::$variant, )*];

            /// The stable text, e.g. `plan::limit-exceeded`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $text, )*
                }
            }
        }
    };
}

codes! {
    /// A protected resource is selected by an explicit `id` or `ip`.
    ProtectedSelected = "plan::protected-selected",
    /// Entries selecting one resource disagree on `when` or `via`.
    ContradictoryOptions = "plan::contradictory-options",
    /// One id names two objects of a kind (a legacy VIP and an LBaaS instance).
    AmbiguousId = "plan::ambiguous-id",
    /// One billing item would be cancelled by two items.
    SameBillingItem = "plan::same-billing-item",
    /// An entry's `expect` does not hold.
    ExpectationFailed = "plan::expectation-failed",
    /// A file's `limits` would be exceeded.
    LimitExceeded = "plan::limit-exceeded",
    /// `max_monthly_fee` guards an item whose fee cannot be read: it fails closed.
    FeeUnknown = "plan::fee-unknown",
    /// A `--target` names no item of the plan.
    TargetNotFound = "plan::target-not-found",
}

impl Code {
    /// The code with this text.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
        let text = String::deserialize(deserializer)?;
        Code::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown plan error code {text:?}")))
    }
}

impl JsonSchema for Code {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PlanErrorCode".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let texts: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        schemars::json_schema!({
            "description": "Stable code of a failed guard, e.g. `plan::limit-exceeded`.",
            "type": "string",
            "enum": texts,
        })
    }
}
