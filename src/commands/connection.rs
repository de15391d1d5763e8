//! The connection flags, as the library takes them.

use crate::cli::ConnectionArgs;
use crate::softlayer::Overrides;

/// What the flags say; `None` where a flag was not given.
pub(crate) fn overrides(args: &ConnectionArgs) -> Overrides {
    Overrides {
        endpoint: args.endpoint.clone(),
        username: args.username.clone(),
        api_key: args.api_key.clone(),
        config: args.config.clone(),
        timeout: args.timeout,
        connect_timeout: Some(args.connect_timeout),
        rate_limit: args.rate_limit,
        page_size: Some(args.page_size),
    }
}
