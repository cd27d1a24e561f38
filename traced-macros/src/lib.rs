//! The `#[traced]` attribute of [`traced-runtime`](https://docs.rs/traced-runtime). Depend on
//! `traced-runtime` and use the attribute as `traced_runtime::traced`: its documentation, with
//! the options, the semantics and examples that run against the runtime, is there.
//!
//! This crate turns an annotated item into code that calls `traced_runtime::__private`, in
//! three steps that each own a file:
//!
//! 1. parse: the options (`args.rs`, with the `fields(..)` grammar in `fields.rs`) and the item
//!    with the shape of its body (`item.rs`); on an `impl` block or a trait, the fns the block's
//!    options apply to and what they become on each (`block.rs`);
//! 2. validate: the options against each other and against the function, or against the
//!    block's fns (`validate.rs`);
//! 3. expand: write the tokens (`expand.rs`), one function at a time (a block's fns each
//!    expand exactly as if they carried the attribute).
//!
//! No file imports one that imports it back; the pipeline below runs them. On any error the item
//! is still emitted unchanged beside a `compile_error!` carrying every error under its own token,
//! so that IDE completion and the body's own diagnostics keep working. Without the `enable`
//! feature the options are still checked and the item is emitted as written (a block without
//! its `#[traced(off)]` markers).
#![deny(missing_docs)]

mod args;
mod block;
mod expand;
mod fields;
mod item;
mod validate;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{ToTokens, quote};

use crate::args::Args;
use crate::block::Block;
use crate::item::{Annotated, FnShape};

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
    let annotated = item::parse(item.clone());
    if annotated.is_err() {
        if let Some(expr) = item::on_expression(&item) {
            return expr;
        }
    }
    let args = syn::parse2::<Args>(args);
    let (args, annotated) = match (args, annotated) {
        (Ok(args), Ok(annotated)) => (args, annotated),
        (Err(err), Ok(_)) | (Ok(_), Err(err)) => return with_error(item, err),
        (Err(mut err), Err(item_err)) => {
            err.combine(item_err);
            return with_error(item, err);
        }
    };
    match annotated {
        Annotated::Fn(func) => function(&args, &func, item),
        Annotated::Impl(block) => self::block(&args, Block::of_impl(block)),
        Annotated::Trait(block) => self::block(&args, Block::of_trait(block)),
    }
}

/// One function (`off` leaves it as written).
fn function(args: &Args, func: &syn::ItemFn, item: TokenStream2) -> TokenStream2 {
    let shape = FnShape::of(func);
    match validate::function(args, &shape) {
        Ok(()) if !cfg!(feature = "enable") || args.off.is_some() => item,
        Ok(()) => expand::function(args, &shape),
        Err(err) => with_error(item, err),
    }
}

/// An `impl` block or a trait: each fn it picks expands as if it carried `args` itself.
fn block(args: &Args, block: Block) -> TokenStream2 {
    let functions = block.functions();
    let shapes: Vec<FnShape<'_>> = functions.iter().map(FnShape::of).collect();
    if let Err(err) = validate::block(args, &shapes) {
        return with_error(block.into_token_stream(), err);
    }
    if !cfg!(feature = "enable") {
        return block.into_token_stream();
    }
    let mut errors: Option<syn::Error> = None;
    let mut expansions = Vec::with_capacity(shapes.len());
    for shape in &shapes {
        let args = block::options_for(args, shape);
        match validate::function(&args, shape) {
            Ok(()) => expansions.push(expand::function(&args, shape)),
            Err(err) => {
                expansions.push(shape.func.to_token_stream());
                match &mut errors {
                    Some(errors) => errors.combine(err),
                    None => errors = Some(err),
                }
            }
        }
    }
    let expanded = block.with(expansions);
    match errors {
        Some(err) => {
            let err = err.to_compile_error();
            quote! { #expanded #err }
        }
        None => expanded,
    }
}

/// The item unchanged, beside the errors.
fn with_error(item: TokenStream2, err: syn::Error) -> TokenStream2 {
    let err = err.to_compile_error();
    quote! { #item #err }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the block writes for each of its fns is what the fn's own attribute writes.
    #[test]
    fn a_block_expands_each_fn_as_its_own_attribute_would() {
        let block_args: Args =
            syn::parse_str("span, args, exit, ret, err, level = \"debug\"").expect("options");
        let block = Block::of_impl(
            syn::parse_str(
                "impl S {
                    fn get(&self, id: u64) -> Result<u64, E> { Ok(id) }
                    fn count(&self) -> usize { 0 }
                    async fn load(&self) -> io::Result<()> { Ok(()) }
                    fn new() -> Self { S }
                }",
            )
            .expect("an impl block"),
        );
        let own: [&str; 4] = [
            "span, args, exit, ret, err, level = \"debug\"",
            "span, args, exit, ret, level = \"debug\"",
            "span, args, exit, ret, err, level = \"debug\"",
            "span, args, exit, ret, level = \"debug\"",
        ];
        for (func, own) in block.functions().iter().zip(own) {
            let shape = FnShape::of(func);
            let from_block = expand::function(&block::options_for(&block_args, &shape), &shape);
            let own: Args = syn::parse_str(own).expect("options");
            let from_own = expand::function(&own, &shape);
            assert_eq!(
                from_block.to_string(),
                from_own.to_string(),
                "{}",
                func.sig.ident
            );
        }
    }
}
