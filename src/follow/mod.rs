//! Following retirements after apply, to their end: `status` reads each
//! one back and says where it stands (reclaimed, pending, ticket open,
//! still billed, active, drifted); `revert` voids the pending ones this
//! tool made and names what cannot be undone. Both read their retirements
//! from plan files and journals ([`tracked`]), read the objects back the
//! way apply does (one batched read per kind), and ask each kind's room
//! how its objects show a cancellation and how one is voided.

pub mod render;
pub mod revert;
pub mod status;
pub mod tracked;

pub use tracked::{Input, Tracked, read_input};
