//! Compiles `../ui/lint` (the cases that must build without a warning under
//! `#![deny(warnings)]`) with edition 2021; `ui-tests` compiles them with edition 2024.

#[test]
fn lint_clean_in_edition_2021() {
    trybuild::TestCases::new().pass("../ui/lint/*.rs");
}
