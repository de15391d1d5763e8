//! The plan: states, guards, fingerprints, digest and renderers.
//!
//! [`build::build`] turns manifests and a resolved selection into a
//! [`model::Plan`]; renderers are pure functions of the plan.

pub mod anniversary;
pub mod build;
pub mod call;
pub mod code;
pub mod diff;
pub mod digest;
pub mod file;
pub mod model;
pub mod observed;
pub mod render_markdown;
pub mod render_mermaid;
pub mod render_text;
pub mod retired;
pub mod schema;
pub mod target;
pub mod verify;

/// The plan document as `--format json` prints it and `--out` writes it.
pub fn render_json(plan: &model::Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
