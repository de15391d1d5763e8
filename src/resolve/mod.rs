//! Resolving manifest entries to live objects and their billing items.
