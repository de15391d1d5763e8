//! End-to-end tests: the emulator on 127.0.0.1:0, spoken to in raw HTTP over
//! std TcpStream, checking status codes, headers and bodies.

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
