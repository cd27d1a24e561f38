//! The `#[traced]` attribute of [`traced-runtime`](https://docs.rs/traced-runtime). Depend on
//! `traced-runtime` and use the attribute as `traced_runtime::traced`: its documentation, with
//! the options, the semantics and examples that run against the runtime, is there.
//!
//! This crate turns an annotated item into code that calls `traced_runtime::__private`, in
//! three steps that each own a file:
//!
//! 1. parse: the options (`args.rs`, with the `fields(..)` grammar in `fields.rs`) and the item
//!    with the shape of its body (`item.rs`);
//! 2. validate: the options against each other and against the function (`validate.rs`);
//! 3. expand: write the tokens (`expand.rs`).
//!
//! The pipeline below runs them. On any error the item is still emitted unchanged beside a
//! `compile_error!` carrying every error under its own token, so that IDE completion and the
//! body's own diagnostics keep working. Without the `enable` feature the options are still
//! checked and the item is emitted exactly as written.
#![deny(missing_docs)]

mod args;
mod expand;
mod fields;
mod item;
mod validate;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use crate::args::Args;
use crate::item::FnShape;

/// Defined in the `traced-macros` crate and re-exported as
/// [`traced_runtime::traced`](https://docs.rs/traced-runtime/latest/traced_runtime/attr.traced.html),
/// where its documentation (options, semantics, expansion) and examples are: depend on
/// `traced-runtime` and use it from there.
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline(args.into(), item.into()).into()
}

/// parse -> validate -> expand.
fn pipeline(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let func = item::parse(item.clone());
    if func.is_err() {
        if let Some(expr) = item::on_expression(&item) {
            return expr;
        }
    }
    let args = syn::parse2::<Args>(args);
    let (args, func) = match (args, func) {
        (Ok(args), Ok(func)) => (args, func),
        (Err(err), Ok(_)) | (Ok(_), Err(err)) => return with_error(item, err),
        (Err(mut err), Err(item_err)) => {
            err.combine(item_err);
            return with_error(item, err);
        }
    };
    let shape = FnShape::of(&func);
    match validate::function(&args, &shape) {
        Ok(()) if !cfg!(feature = "enable") => item,
        Ok(()) => expand::function(&args, &shape),
        Err(err) => with_error(item, err),
    }
}

/// The item unchanged, beside the errors.
fn with_error(item: TokenStream2, err: syn::Error) -> TokenStream2 {
    let err = err.to_compile_error();
    quote! { #item #err }
}
