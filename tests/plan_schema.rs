//! The checked-in plan schema is the one the program prints.

use slretire::plan::schema::plan_schema_json;

/// schema/plan.schema.json is up to date (refresh: `SNAPSHOTS=overwrite cargo test --test integration schema`).
#[test]
fn plan_schema_file_is_fresh() {
    snapbox::assert_data_eq!(
        plan_schema_json(),
        snapbox::file!["../schema/plan.schema.json"].raw()
    );
}

/// The plan schema is draft-07 and lists every state and the fields apply relies on.
#[test]
fn plan_schema_describes_states_and_calls() {
    let schema: serde_json::Value = serde_json::from_str(&plan_schema_json()).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let states: Vec<&str> = schema["definitions"]["State"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["const"].as_str())
        .collect();
    assert_eq!(
        states,
        [
            "cancel",
            "scheduled",
            "absent",
            "protected",
            "blocked",
            "waiting"
        ]
    );
    for field in ["format_version", "account", "items", "digest", "summary"] {
        assert!(
            schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == field),
            "{field} is required"
        );
    }
    let item = &schema["definitions"]["PlanItem"]["properties"];
    for field in [
        "call",
        "fingerprint",
        "origins",
        "billing_item",
        "effective_date",
    ] {
        assert!(item.get(field).is_some(), "plan items carry {field}");
    }
}

/// Real plan documents validate against the checked-in schema: the demo plan,
/// one with blocked and waiting items, and one that failed its guards.
#[test]
fn plan_documents_follow_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schema/plan.schema.json").unwrap()).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let guards = dir.path().join("guards.yaml");
    std::fs::write(
        &guards,
        "version: 1\naccount: 278184\nlimits:\n  max_resources: 1\nretire:\n  - kind: virtual_guest\n    name: \"ci-runner-*\"\n",
    )
    .unwrap();
    for manifests in ["manifests/examples", guards.to_str().unwrap()] {
        let output = crate::support::slretire()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "plan",
                manifests,
                "--snapshot",
                "manifests/demo-account.json",
                "--format",
                "json",
            ])
            .env("SLRETIRE_NOW", "2026-11-22T12:00:00Z")
            .output()
            .unwrap();
        let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&plan)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{manifests}: {errors:#?}");
    }
    // A partial plan (`--target`), as recorded by its CLI case.
    let partial: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/cmd/plan-target-json.stdout").unwrap(),
    )
    .unwrap();
    assert!(!partial["targets"].as_array().unwrap().is_empty());
    assert!(validator.is_valid(&partial));
}

/// Every part of the document is described: no schema that accepts
/// anything (`true` or `{}`), no object without its properties, and the
/// observed facts list exactly the fields a plan writes.
#[test]
fn plan_schema_leaves_nothing_untyped() {
    fn walk(node: &serde_json::Value, path: &str, problems: &mut Vec<String>) {
        match node {
            serde_json::Value::Bool(true) => problems.push(format!("{path}: accepts anything")),
            serde_json::Value::Object(map) => {
                let typed = ["type", "$ref", "allOf", "anyOf", "oneOf", "enum", "const"]
                    .iter()
                    .any(|k| map.contains_key(*k));
                let container = path.ends_with("/properties") || path.ends_with("/definitions");
                if !typed && !container && !path.is_empty() {
                    problems.push(format!("{path}: no type"));
                }
                if map.get("type") == Some(&serde_json::json!("object"))
                    && !map.contains_key("properties")
                    && !path.ends_with("/items")
                {
                    problems.push(format!("{path}: an object without properties"));
                }
                for (key, value) in map {
                    walk(value, &format!("{path}/{key}"), problems);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    walk(value, &format!("{path}/{i}"), problems);
                }
            }
            _ => {}
        }
    }
    let schema: serde_json::Value = serde_json::from_str(&plan_schema_json()).unwrap();
    let mut problems = Vec::new();
    walk(&schema, "", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
    let observed: Vec<&str> = schema["definitions"]["Observed"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for field in [
        "name",
        "addresses",
        "billing",
        "occupants",
        "variant",
        "uuid",
        "created",
    ] {
        assert!(observed.contains(&field), "{field} in {observed:?}");
    }
    assert_eq!(
        schema["definitions"]["Observed"]["additionalProperties"],
        false
    );
}

/// Every plan error code is listed in docs/plan-format.md's guard table and
/// in the schema.
#[test]
fn every_plan_code_is_documented() {
    let docs = include_str!("../docs/plan-format.md");
    let schema: serde_json::Value = serde_json::from_str(&plan_schema_json()).unwrap();
    let listed = schema["definitions"]["PlanErrorCode"]["enum"]
        .as_array()
        .unwrap();
    assert_eq!(listed.len(), slretire::plan::code::Code::ALL.len());
    for code in slretire::plan::code::Code::ALL {
        assert!(
            docs.contains(&format!("| `{}` |", code.as_str())),
            "docs/plan-format.md lacks a row for {code}"
        );
        assert!(listed.contains(&serde_json::json!(code.as_str())), "{code}");
    }
}
