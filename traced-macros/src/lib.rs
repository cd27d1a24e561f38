//! The `#[traced]` attribute. Use it through `traced_runtime::traced`, whose documentation
//! describes its options and semantics; this crate only generates code that calls
//! `traced_runtime::__private`.

mod args;
mod expand;
mod item;

use proc_macro::TokenStream;

/// Puts the function under a trace: see `traced_runtime::traced` for the full documentation.
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::traced(args.into(), item.into()).into()
}
