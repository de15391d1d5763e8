//! Manifests: YAML -> raw types with spans -> validated model, with
//! diagnostics for every problem found on the way.

pub mod model;
