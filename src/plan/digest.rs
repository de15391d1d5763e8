//! Fingerprints of observed facts and the digest that seals a plan.
//! Both hash canonical JSON: serde_json writes struct fields in declaration
//! order and maps sorted, so equal values give equal bytes.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::model::Plan;
use crate::resolve::resource::Resource;

/// `sha256:` and the first 16 hex digits of the hash of `r`'s facts: enough
/// to notice any change, short enough to read in a plan.
///
/// Two facts that move on their own are left out: the next bill date (it
/// advances every month; apply compares it with an anniversary item's
/// effective date instead) and the LBaaS provisioning status (it changes
/// with any update; apply reads it only to see a deletion under way).
pub fn fingerprint(r: &Resource) -> String {
    let mut facts = r.clone();
    if let Some(billing) = &mut facts.billing {
        billing.next_bill_date = None;
    }
    facts.status = None;
    let hex = sha256_hex(&facts);
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
