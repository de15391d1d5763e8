//! The diagnostic codes are a contract: each listed once, none renamed
//! silently, each documented.

use std::collections::BTreeSet;

use slretire::manifest::Code;

/// Every code is unique and the list matches the recorded one (refresh with `SNAPSHOTS=overwrite`).
#[test]
fn codes_are_unique_and_recorded() {
    let texts: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let unique: BTreeSet<&str> = texts.iter().copied().collect();
    assert_eq!(
        unique.len(),
        texts.len(),
        "a code is listed twice: {texts:?}"
    );
    for text in &texts {
        assert!(
            text.starts_with("manifest::"),
            "{text} lacks the manifest:: prefix"
        );
    }
    let list: String = texts.iter().map(|t| format!("{t}\n")).collect();
    snapbox::assert_data_eq!(list, snapbox::file!["snapshots/manifest-codes.txt"].raw());
}

/// Every code has its own section in docs/manifest.md.
#[test]
fn every_code_is_documented() {
    let docs = include_str!("../docs/manifest.md");
    for code in Code::ALL {
        let heading = format!("### `{}`", code.as_str());
        assert!(
            docs.contains(&heading),
            "docs/manifest.md lacks a `{heading}` section"
        );
    }
}
