//! CLI cases: every `tests/cmd/*.toml` runs the real binary and compares
//! stdout, stderr and the exit code exactly (refresh with `TRYCMD=overwrite`).

/// Every trycmd case in tests/cmd behaves as recorded.
#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin(
            "slretire",
            std::path::Path::new(env!("CARGO_BIN_EXE_slretire")),
        )
        .case("tests/cmd/*.toml");
}
