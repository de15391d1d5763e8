//! End-to-end tests: the emulator on 127.0.0.1:0, spoken to in raw HTTP over
//! std TcpStream, checking status codes, headers and bodies.

// Test helpers outside `#[test]` functions may unwrap: a failed unwrap is a
// failed test. Production code may not (clippy.toml, `[workspace.lints]`).
#![allow(clippy::unwrap_used)]

mod cancel;
mod cdn;
mod clock;
mod docs;
mod faults;
mod hostile;
mod masks_filters;
mod metadata;
mod support;
mod void;
mod wire;
