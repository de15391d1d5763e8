//! The manifest's JSON Schema (draft-07, what yaml-language-server reads):
//! types and descriptions from the raw types' doc comments, the per-kind
//! key rules from the same table the reader uses.

use serde_json::{Map, Value, json};

use super::keys;
use super::model::Kind;
use super::raw::RawManifest;

/// The schema, pretty-printed, ending in a newline (as checked in at
/// `schema/manifest.schema.json`).
pub fn manifest_schema_json() -> String {
    // Inlined: in draft-07 a `$ref` hides the descriptions written next to
    // it, and editors show those descriptions on hover.
    let mut settings = schemars::generate::SchemaSettings::draft07();
    settings.inline_subschemas = true;
    let schema = settings
        .into_generator()
        .into_root_schema_for::<RawManifest>();
    let mut value = schema.to_value();
    strip_null(&mut value);
    if let Some(entry) = value
        .pointer_mut("/properties/retire/items")
        .and_then(Value::as_object_mut)
    {
        entry.insert("allOf".into(), Value::Array(entry_rules()));
    }
    if let Some(exclude) = value
        .pointer_mut("/properties/retire/items/properties/exclude")
        .and_then(Value::as_object_mut)
    {
        exclude.insert("minProperties".into(), json!(1));
        exclude.insert("allOf".into(), Value::Array(selector_rules()));
    }
    if let Some(rule) = value
        .pointer_mut("/properties/protect/items")
        .and_then(Value::as_object_mut)
    {
        rule.insert("minProperties".into(), json!(1));
        let mut rules = protect_rules();
        rules.extend(selector_rules());
        rule.insert("allOf".into(), Value::Array(rules));
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// The rules between selector keys written together, wherever they are.
fn selector_rules() -> Vec<Value> {
    vec![
        json!({ "not": { "required": ["older_than", "created_before"] } }),
        json!({ "if": { "required": ["number"] }, "then": { "required": ["router"] } }),
        json!({ "not": {
            "required": ["untagged", "tags"],
            "properties": { "untagged": { "const": true } }
        } }),
    ]
}

/// `if kind == K then` the keys that do not apply are refused (in the
/// entry and in its `exclude`) and one selector key is required; plus the
/// rules between keys.
fn entry_rules() -> Vec<Value> {
    let mut rules: Vec<Value> = Kind::ALL
        .iter()
        .map(|&kind| {
            let refused: Map<String, Value> = keys::entry_keys()
                .filter(|key| !keys::applies(key, kind))
                .map(|key| (key.to_owned(), Value::Bool(false)))
                .collect();
            let one_selector: Vec<Value> = keys::selector_keys(kind)
                .iter()
                .map(|key| json!({ "required": [key] }))
                .collect();
            let refused_in_exclude: Map<String, Value> = keys::SELECTOR_KEYS
                .iter()
                .filter(|key| !keys::applies(key, kind))
                .map(|key| ((*key).to_owned(), Value::Bool(false)))
                .collect();
            let mut properties = refused;
            if !refused_in_exclude.is_empty() {
                properties.insert(
                    keys::EXCLUDE_KEY.to_owned(),
                    json!({ "properties": refused_in_exclude }),
                );
            }
            json!({
                "if": { "properties": { "kind": { "const": kind.as_str() } }, "required": ["kind"] },
                "then": { "properties": properties, "anyOf": one_selector },
            })
        })
        .collect();
    rules.extend(selector_rules());
    rules
}

/// `if kind == K then` the rule keys that cannot match a K are refused.
fn protect_rules() -> Vec<Value> {
    Kind::ALL
        .iter()
        .filter_map(|&kind| {
            let refused: Map<String, Value> = keys::PROTECT_KEYS
                .iter()
                .filter(|key| !keys::applies(keys::protect_key_as_entry_key(key), kind))
                .map(|key| ((*key).to_owned(), Value::Bool(false)))
                .collect();
            (!refused.is_empty()).then(|| {
                json!({
                    "if": { "properties": { "kind": { "const": kind.as_str() } }, "required": ["kind"] },
                    "then": { "properties": refused },
                })
            })
        })
        .collect()
}

/// schemars lets every `Option` field be `null`; the reader does not (a
/// key without a value is a mistake), so neither does the schema.
fn strip_null(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    object.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(choices)) = object.get_mut("enum") {
                choices.retain(|c| !c.is_null());
            }
            let null = json!({ "type": "null" });
            if let Some(Value::Array(choices)) = object.get("anyOf")
                && choices.len() == 2
                && choices.contains(&null)
            {
                let kept = choices.iter().find(|c| **c != null).cloned();
                object.remove("anyOf");
                if let Some(Value::Object(kept)) = kept {
                    for (key, value) in kept {
                        object.entry(key).or_insert(value);
                    }
                }
            }
            object.values_mut().for_each(strip_null);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn property_names(schema: &Value, pointer: &str) -> Vec<String> {
        let mut names: Vec<String> = schema
            .pointer(pointer)
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    fn sorted(keys: impl IntoIterator<Item = &'static str>) -> Vec<String> {
        let mut keys: Vec<String> = keys.into_iter().map(str::to_owned).collect();
        keys.sort();
        keys
    }

    /// The raw types' fields (the schema's properties) are exactly the reader's key tables.
    #[test]
    fn schema_properties_match_the_key_table() {
        let schema: Value = serde_json::from_str(&manifest_schema_json()).unwrap();
        assert_eq!(
            property_names(&schema, "/properties"),
            sorted(keys::TOP_KEYS.iter().copied())
        );
        assert_eq!(
            property_names(&schema, "/properties/defaults/properties"),
            sorted(keys::DEFAULT_KEYS.iter().copied())
        );
        assert_eq!(
            property_names(&schema, "/properties/limits/properties"),
            sorted(keys::LIMIT_KEYS.iter().copied())
        );
        assert_eq!(
            property_names(&schema, "/properties/protect/items/properties"),
            sorted(keys::PROTECT_KEYS.iter().copied())
        );
        assert_eq!(
            property_names(&schema, "/properties/retire/items/properties"),
            sorted(keys::entry_keys())
        );
    }
}
