//! Resolving manifest entries to live objects and their billing items,
//! kind-agnostic: each kind's room (`kinds/`) says where its objects come
//! from and how to read them; `fetch` chooses and makes the calls (and
//! matches every object against the entries once, as its page is read),
//! `selection` turns what came back into the selection. Only `fetch` talks
//! to the API, through the [`fetch::Api`] port.

pub mod fetch;
pub mod money;
pub mod progress;
pub mod resource;
pub mod select;
pub mod selection;
