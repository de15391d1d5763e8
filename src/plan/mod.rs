//! The plan: states, guards, fingerprints, digest and renderers.
