//! Code generation for `#[traced]`. Arguments arrive parsed and validated from `args.rs`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, ItemFn};

use crate::args::Args;

/// Entry point: on any error the function is still emitted unchanged, beside a
/// `compile_error!`, so IDE completion and the body's own diagnostics keep working.
pub(crate) fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    let func = match parse_fn(item.clone()) {
        Ok(func) => func,
        Err(err) => return with_error(item, err),
    };
    match syn::parse2::<Args>(args).and_then(|args| expand(&args, func)) {
        Ok(tokens) => tokens,
        Err(err) => with_error(item, err),
    }
}

fn with_error(item: TokenStream, err: Error) -> TokenStream {
    let err = err.to_compile_error();
    quote! { #item #err }
}

/// Accepts free functions and methods with a body.
fn parse_fn(item: TokenStream) -> syn::Result<ItemFn> {
    match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(func)) => Ok(func),
        Ok(syn::Item::Verbatim(_)) | Err(_) => {
            // A method without a body (`fn f(&self);` in a trait) parses as neither.
            let sig = syn::parse2::<syn::TraitItemFn>(item);
            match sig {
                Ok(method) if method.default.is_none() => Err(Error::new_spanned(
                    &method.sig,
                    "#[traced] needs a function body: put it on the implementation, not on a \
                     trait method declaration",
                )),
                _ => Err(Error::new(
                    Span::call_site(),
                    "#[traced] can only be applied to functions",
                )),
            }
        }
        Ok(other) => Err(Error::new(
            first_token_span(&other),
            "#[traced] can only be applied to functions and methods",
        )),
    }
}

fn first_token_span(item: &syn::Item) -> Span {
    quote!(#item)
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

fn expand(args: &Args, func: ItemFn) -> syn::Result<TokenStream> {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    if let Some(constness) = &sig.constness {
        return Err(Error::new_spanned(
            constness,
            "#[traced] cannot be applied to a `const fn`: tracing reads and writes a thread-local \
             at run time; remove `const` or the attribute",
        ));
    }

    let krate = quote!(::traced_runtime);
    let private = quote!(#krate::__private);
    let name = sig.ident.to_string();
    let span = args.span.is_some();
    let self_type = if sig.receiver().is_some() {
        quote!(::core::option::Option::Some(
            ::core::any::type_name::<Self>()
        ))
    } else {
        quote!(::core::option::Option::None)
    };
    // `line!()` under the function name's span reports the line of the signature.
    let at = sig.ident.span();
    let callsite = quote_spanned! {at=>
        static __TRACED_CALLSITE: #private::Callsite = #private::Callsite {
            name: #name,
            target: ::core::module_path!(),
            module_path: ::core::module_path!(),
            file: ::core::file!(),
            line: ::core::line!(),
            level: #private::log::Level::Info,
            span: #span,
        };
    };

    let body = if sig.asyncness.is_some() {
        let block_span = block.span();
        quote_spanned! {block_span=>
            #callsite
            #private::TracedFuture::new(&__TRACED_CALLSITE, #self_type, async move #block).await
        }
    } else {
        quote! {
            #callsite
            let __traced_guard = #private::enter_sync(&__TRACED_CALLSITE, #self_type);
            #block
        }
    };

    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #body
        }
    })
}
