//! Snapshots of an account: exporting its inventory as a world file
//! (`slretire snapshot`) and serving one from an emulator embedded in the
//! process (`plan`/`apply --snapshot`). The lists each kind stores are its
//! room's (`kinds::world`); this module holds the engines.

mod embedded;
mod export;
mod shape;

pub use embedded::{
    MAX_WORLD_FILE_BYTES, SnapshotError, SnapshotFile, start_snapshot_emulator,
    start_snapshot_emulator_with,
};
pub use export::{
    ExportError, ListReport, WORLD_FORMAT, export_world, missing_lists, parse_kinds, world_lists,
};
