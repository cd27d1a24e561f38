//! The context a traced call with `root` or `fields(...)` (and every async one) runs in: derived
//! from the caller's, plus the call's fields.

use super::Callsite;
use crate::context::{TraceContext, derive};

/// The context a call at `callsite` derives from the current one (a new trace for `root`).
#[inline(never)]
pub(super) fn derive_for(callsite: &'static Callsite) -> TraceContext {
    derive(callsite.span, callsite.root)
}

/// What a traced call adds to the context it derived (user fields).
pub trait Setup {
    /// Returns `ctx` with the additions.
    fn apply(self, ctx: TraceContext) -> TraceContext;
}

impl Setup for () {
    #[inline]
    fn apply(self, ctx: TraceContext) -> TraceContext {
        ctx
    }
}

impl<const N: usize> Setup for [(&'static str, String); N] {
    fn apply(self, ctx: TraceContext) -> TraceContext {
        ctx.with_fields(self)
    }
}
