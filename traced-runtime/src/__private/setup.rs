//! What a traced call adds to the context it derives: its `fields(...)`.

use crate::context::TraceContext;

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
        self.into_iter()
            .fold(ctx, |ctx, (key, value)| ctx.with_field(key, value))
    }
}
