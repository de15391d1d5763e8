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
}
