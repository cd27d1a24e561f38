//! Run an example from the repository root: `cargo run --example quickstart`.
