//! The trybuild cases are in `ui/`; `tests/ui.rs` runs them.
