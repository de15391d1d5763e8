//! Reading a plan file back: refuse anything that is not a complete,
//! unedited plan of this format.

use super::digest::is_sealed;
use super::model::{FORMAT_VERSION, Plan};

/// Why a plan file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("{path}: not a plan file ({detail})")]
    Unreadable { path: String, detail: String },
    #[error(
        "{path}: plan format version {found:?} is not supported (this slretire reads version {FORMAT_VERSION})"
    )]
    Version { path: String, found: String },
    #[error(
        "{path}: the plan's digest does not match its content: the file was edited or truncated; make a new plan"
    )]
    Digest { path: String },
    #[error("{path}: this plan failed its guards ({count} errors) and cannot be applied")]
    Failed { path: String, count: usize },
}

/// Parses and checks a plan document read from `path`.
pub fn parse(path: &str, text: &str) -> Result<Plan, PlanFileError> {
    // Check the version before the full shape, so a future format gets the
    // version message rather than a field error.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| PlanFileError::Unreadable {
            path: path.to_string(),
            detail: e.to_string(),
        })?;
    match value
        .get("format_version")
        .and_then(serde_json::Value::as_str)
    {
        Some(FORMAT_VERSION) => {}
        Some(other) => {
            return Err(PlanFileError::Version {
                path: path.to_string(),
                found: other.to_string(),
            });
        }
        None => {
            return Err(PlanFileError::Unreadable {
                path: path.to_string(),
                detail: "no format_version".into(),
            });
        }
    }
    let plan: Plan = serde_json::from_value(value).map_err(|e| PlanFileError::Unreadable {
        path: path.to_string(),
        detail: e.to_string(),
    })?;
    if !is_sealed(&plan) {
        return Err(PlanFileError::Digest {
            path: path.to_string(),
        });
    }
    if !plan.errors.is_empty() {
        return Err(PlanFileError::Failed {
            path: path.to_string(),
            count: plan.errors.len(),
        });
    }
    Ok(plan)
}
