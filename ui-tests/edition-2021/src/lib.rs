//! The lint cases of `ui-tests`, compiled with edition 2021: see `tests/ui.rs`.
