//! A stateful, wire-faithful emulator of the SoftLayer REST API.
