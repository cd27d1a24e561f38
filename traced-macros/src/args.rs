//! Parsing and validation of the `#[traced(...)]` arguments. Nothing here generates code.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Error, Token};

mod kw {
    syn::custom_keyword!(span);
}

/// The validated arguments of one `#[traced(...)]`. Each option keeps the span of its key so that
/// later errors can point at it.
#[derive(Default)]
pub(crate) struct Args {
    /// `span`: open a child span.
    pub(crate) span: Option<Span>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Self::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::span) {
                let key = input.parse::<kw::span>()?;
                set_once(&mut args.span, key.span, "span")?;
            } else {
                return Err(lookahead.error());
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    }
}

/// Records a flag, rejecting a repeated key at its second occurrence.
fn set_once(slot: &mut Option<Span>, span: Span, key: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(Error::new(span, format!("`{key}` set multiple times")));
    }
    *slot = Some(span);
    Ok(())
}
