//! The SoftLayer API client: the only module that talks HTTP.
