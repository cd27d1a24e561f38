//! Integration tests live in `tests/`; see `tests/common` for the capturing logger.
