//! The checked-in JSON Schema is the one the program prints.

use slretire::manifest;

/// schema/manifest.schema.json is up to date, byte for byte (refresh: `cargo run -- schema > schema/manifest.schema.json`).
#[test]
fn schema_file_is_fresh() {
    // Compared as text, not as JSON: snapbox would re-render JSON with its
    // own key order and no final newline when refreshing.
    let checked_in = std::fs::read_to_string("schema/manifest.schema.json").unwrap();
    assert!(
        manifest::manifest_schema_json() == checked_in,
        "schema/manifest.schema.json is stale: run `cargo run -- schema > schema/manifest.schema.json`"
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
    assert_eq!(
        storage["then"]["properties"]["exclude"]["properties"]["tags"], false,
        "an exclude takes the kind's selector keys only"
    );
    assert_eq!(
        storage["then"]["properties"]["power_state"], false,
        "power_state is for guests"
    );
}

/// `slretire schema` and `slretire schema plan` print the checked-in files byte for byte.
#[test]
fn schema_command_prints_the_checked_in_files() {
    for (args, file) in [
        (&["schema"][..], "schema/manifest.schema.json"),
        (&["schema", "plan"], "schema/plan.schema.json"),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_slretire"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let checked_in = std::fs::read(file).unwrap();
        assert!(
            output.stdout == checked_in,
            "`slretire {}` differs from {file} (refresh: `cargo run -- {} > {file}`)",
            args.join(" "),
            args.join(" ")
        );
    }
}

/// Every example manifest is valid under the schema, and the schema
/// refuses what the reader refuses for the selection keys.
#[test]
fn examples_follow_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&manifest::manifest_schema_json()).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let as_json = |text: &str| serde_saphyr::from_str::<serde_json::Value>(text).unwrap();
    for entry in std::fs::read_dir("manifests/examples").unwrap() {
        let path = entry.unwrap().path();
        let value = as_json(&std::fs::read_to_string(&path).unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
    let head = "version: 1\naccount: 1\nretire:\n  - ";
    for (entry, valid) in [
        (
            "kind: virtual_guest\n    name_regex: 'a.*'\n    exclude: {power_state: halted, vlan: {number: 1, router: bcr01a.dal10}}",
            true,
        ),
        (
            "kind: storage\n    name: a\n    exclude: {tags: keep}",
            false,
        ),
        ("kind: storage\n    name: a\n    exclude: {}", false),
        (
            "kind: virtual_guest\n    untagged: true\n    tags: a",
            false,
        ),
        (
            "kind: virtual_guest\n    untagged: false\n    tags: a",
            true,
        ),
        ("kind: subnet\n    vlan: {number: 1234}", false),
        ("kind: hardware\n    power_state: running", false),
        ("kind: virtual_guest\n    power_state: stopped", false),
    ] {
        let value = as_json(&format!("{head}{entry}\n"));
        assert_eq!(validator.is_valid(&value), valid, "{entry}");
    }
}
