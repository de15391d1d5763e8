//! Fingerprints of observed facts and the digest that seals a plan.
//! Both hash canonical JSON: serde_json writes struct fields in declaration
//! order and maps sorted, so equal values give equal bytes.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::model::Plan;
use crate::resolve::resource::Resource;

/// `sha256:` and the first 16 hex digits of the hash of `r`'s facts: enough
/// to notice any change, short enough to read in a plan.
pub fn fingerprint(r: &Resource) -> String {
    let hex = sha256_hex(r);
    format!("sha256:{}", &hex[..16])
}

/// Sets `plan.digest` to the hash of the plan with an empty digest.
pub fn seal(mut plan: Plan) -> Plan {
    plan.digest = String::new();
    plan.digest = format!("sha256:{}", sha256_hex(&plan));
    plan
}

/// Whether `plan.digest` matches its content.
pub fn is_sealed(plan: &Plan) -> bool {
    let mut copy = plan.clone();
    copy.digest = String::new();
    plan.digest == format!("sha256:{}", sha256_hex(&copy))
}

fn sha256_hex<T: Serialize>(value: &T) -> String {
    // Serialising these plain structs cannot fail: no maps with non-string
    // keys, no custom serialisers that error.
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
