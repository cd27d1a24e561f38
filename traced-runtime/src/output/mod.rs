//! What the `log` and `tracing` integrations both need, below both of them (neither imports the
//! other): the key names and the one reserved-key rule ([`keys`]), which characters are escaped
//! and how a text column is quoted ([`escape`]), and whether traced's logger is installed
//! ([`installed`]).
//!
//! Above both sits `setup`, the combined set-up: [`log::Builder::try_init`](crate::log::Builder::try_init)
//! installs the `log` logger and, with the `tracing` feature, the `tracing` bridge.

// Each piece serves the ready-made formats (`env_logger`), the tracing-subscriber stamp
// (`tracing`) or both; with either feature off, the other's pieces are unused.
#![cfg_attr(
    not(all(feature = "env_logger", feature = "tracing")),
    allow(dead_code)
)]

pub(crate) mod escape;
pub(crate) mod installed;
pub(crate) mod keys;
