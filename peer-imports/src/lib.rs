//! Test-only crate: `tests/` holds one crate per way of importing traced beside a peer, each of
//! which must compile and call both sides' items. A name traced adds that collides with a peer's
//! makes one of them fail to build (`E0034` for methods, `E0659` for glob-imported names).
