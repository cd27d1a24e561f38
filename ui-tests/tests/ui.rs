//! Compiles every case in `ui/pass` (must build) and `ui/fail` (must fail with the checked-in
//! `.stderr`). Regenerate snapshots with `TRYBUILD=overwrite cargo test -p ui-tests` and review
//! the diff: each error must sit under the token the user got wrong.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    // Must build without a warning under `#![deny(warnings)]` (also compiled by
    // `ui-tests/edition-2021` with edition 2021).
    t.pass("ui/lint/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
