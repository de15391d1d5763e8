//! The checked-in JSON Schema is the one the program prints.

use slretire::manifest;

/// schema/manifest.schema.json is up to date (refresh: `SNAPSHOTS=overwrite cargo test --test integration schema`).
#[test]
fn schema_file_is_fresh() {
    snapbox::assert_data_eq!(
        manifest::manifest_schema_json(),
        snapbox::file!["../schema/manifest.schema.json"].raw()
    );
}

/// The schema is draft-07, names every kind and reason, and refuses keys per kind.
#[test]
fn schema_is_draft07_with_kind_rules() {
    let schema: serde_json::Value =
        serde_json::from_str(&manifest::manifest_schema_json()).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let entry = &schema["properties"]["retire"]["items"];
    let kinds = entry["properties"]["kind"]["enum"].as_array().unwrap();
    assert_eq!(kinds.len(), manifest::model::Kind::ALL.len());
    let reasons = entry["properties"]["reason"]["enum"].as_array().unwrap();
    let expected: Vec<&str> = manifest::model::Reason::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    assert_eq!(
        reasons
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect::<Vec<_>>(),
        expected
    );
    let storage = entry["allOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|rule| rule["if"]["properties"]["kind"]["const"] == "storage")
        .unwrap();
    assert_eq!(
        storage["then"]["properties"]["tags"], false,
        "storage has no tags"
    );
    assert_eq!(
        storage["then"]["properties"]["via"], false,
        "via is for hardware only"
    );
    assert!(
        storage["then"]["properties"].get("name").is_none(),
        "storage has names"
    );
}
