//! Performing a reviewed plan.
