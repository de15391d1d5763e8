//! `slretire whoami`: checks the credentials and says whose they are.

use std::io::Write as _;

use anyhow::Context as _;

use crate::cli::WhoamiArgs;
use crate::commands::{EXIT_OK, Term};
use crate::softlayer::{Client, Settings, Source, redact_endpoint, whoami};
use crate::terminal_text::escape_controls;

pub(crate) fn run(args: &WhoamiArgs, _term: &Term) -> anyhow::Result<i32> {
    let settings = Settings::resolve(&super::connection::overrides(&args.connection))?;
    let client = Client::new(settings)?;
    let info = whoami(&client).with_context(|| {
        format!(
            "checking the credentials against {}",
            redact_endpoint(client.endpoint())
        )
    })?;
    let settings = client.settings();
    // Names come from the API: shown with control characters escaped.
    let username = escape_controls(&info.username);
    let user = if settings.is_ibm_cloud_api_key() {
        format!("{username} (IBM Cloud API key)")
    } else {
        username.into_owned()
    };
    let (user_source, key_source) = settings.credential_sources();
    let sources = match (user_source, key_source) {
        (Source::Environment(user), Source::Environment(key)) => {
            format!("environment variables {user} and {key}")
        }
        (Source::Flag, Source::Flag) => "command-line flags".to_string(),
        (a, b) if a == b => a.to_string(),
        (a, b) => format!("username from {a}, API key from {b}"),
    };
    let text = format!(
        "account:     {}\ncompany:     {}\nemail:       {}\nuser:        {user}\n\
         endpoint:    {}\ncredentials: {sources}\n",
        info.id,
        escape_controls(&info.company),
        escape_controls(&info.email),
        redact_endpoint(client.endpoint())
    );
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")?;
    Ok(EXIT_OK)
}
