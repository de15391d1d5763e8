//! The JSON Schema of the plan document (`schema/plan.schema.json`),
//! generated from the model so it cannot drift from what `--out` writes.

use super::model::Plan;

/// The plan schema, draft-07, pretty-printed with a trailing newline.
pub fn plan_schema_json() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<Plan>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
