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
