//! Who the credentials belong to.

use serde_json::Value;

use crate::softlayer::call::Call;
use crate::softlayer::client::Client;
use crate::softlayer::error::ApiError;

/// The account and user behind the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    /// Account id (what manifests pin as `account`).
    pub id: u64,
    /// Company name on the account.
    pub company: String,
    /// Account e-mail.
    pub email: String,
    /// The API user the credentials authenticate.
    pub username: String,
}

/// Reads the account (`SoftLayer_Account::getObject`) and the current user
/// (`getCurrentUser`): two calls that succeed only with valid credentials.
pub fn whoami(client: &Client) -> Result<AccountInfo, ApiError> {
    let account = client
        .read(&Call::new("SoftLayer_Account", "getObject").mask("mask[id,companyName,email]"))?;
    let user =
        client.read(&Call::new("SoftLayer_Account", "getCurrentUser").mask("mask[id,username]"))?;
    let id = id_of(&account).ok_or_else(|| ApiError::InvalidResponse {
        status: 200,
        message: "SoftLayer_Account::getObject returned no account id".into(),
    })?;
    let text = |value: &Value, key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok(AccountInfo {
        id,
        company: text(&account, "companyName"),
        email: text(&account, "email"),
        username: text(&user, "username"),
    })
}

/// A numeric `id`, also when sent as a string.
pub(crate) fn id_of(value: &Value) -> Option<u64> {
    match value.get("id")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::softlayer::client::tests::{reply, scripted, settings};

    /// whoami reads the account and the user with the documented masks.
    #[test]
    fn whoami_reads_account_and_user() {
        let s = scripted(
            settings(),
            vec![
                reply(
                    200,
                    r#"{"id": 278184, "companyName": "Example Corp", "email": "ops@example.com"}"#,
                ),
                reply(200, r#"{"id": 7001, "username": "SL278184"}"#),
            ],
        );
        let info = whoami(&s.client).unwrap();
        assert_eq!(
            info,
            AccountInfo {
                id: 278184,
                company: "Example Corp".into(),
                email: "ops@example.com".into(),
                username: "SL278184".into()
            }
        );
        let requests = s.requests.lock().unwrap();
        assert!(requests[0].url.ends_with(
            "/SoftLayer_Account/getObject.json?objectMask=mask%5Bid%2CcompanyName%2Cemail%5D"
        ));
        assert!(requests[1].url.ends_with(
            "/SoftLayer_Account/getCurrentUser.json?objectMask=mask%5Bid%2Cusername%5D"
        ));
    }

    /// An account without an id is an invalid response, not a panic.
    #[test]
    fn whoami_requires_an_id() {
        let s = scripted(settings(), vec![reply(200, "{}"), reply(200, "{}")]);
        assert!(matches!(
            whoami(&s.client),
            Err(ApiError::InvalidResponse { .. })
        ));
    }
}
