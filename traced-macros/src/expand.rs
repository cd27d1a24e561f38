//! Code generation for `#[traced]`: this file only writes tokens. The options arrive parsed
//! (`args.rs`) and validated (`validate.rs`), the function's shape recognised (`item.rs`); the
//! pipeline that runs those steps is in `lib.rs`.
//!
//! Every path in the output is absolute (`::core::...`, `#krate::__private::...`) and every
//! local is prefixed `__traced_`, so the expansion does not depend on names in scope at the
//! function.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, ItemFn, Stmt, Type};

use crate::args::{Args, Level};
use crate::fields::Format;
use crate::item::{self, Body, FnShape, Output};

/// The traced function: `func`'s attributes and signature unchanged, a new body. `args` and
/// `shape` come validated from `validate.rs`.
pub(crate) fn function(args: &Args, shape: &FnShape<'_>) -> TokenStream {
    Expansion::new(args, shape).function()
}

/// What every generated fragment needs.
struct Expansion<'a> {
    args: &'a Args,
    shape: &'a FnShape<'a>,
    /// `#krate::__private`.
    private: TokenStream,
    /// `Option<&'static str>`: `type_name::<Self>()` for methods.
    self_type: TokenStream,
}

impl<'a> Expansion<'a> {
    fn new(args: &'a Args, shape: &'a FnShape<'a>) -> Self {
        let krate = args
            .krate
            .as_ref()
            .map_or_else(|| quote!(::traced_runtime), |k| k.value.to_token_stream());
        let self_type = if args.name.is_none() && shape.func.sig.receiver().is_some() {
            quote!(::core::option::Option::Some(
                ::core::any::type_name::<Self>()
            ))
        } else {
            quote!(::core::option::Option::None)
        };
        Self {
            args,
            shape,
            private: quote!(#krate::__private),
            self_type,
        }
    }

    /// The whole function: attributes, signature unchanged, new body.
    fn function(&self) -> TokenStream {
        let ItemFn {
            attrs, vis, sig, ..
        } = self.shape.func;
        let (outer, inner): (Vec<_>, Vec<_>) = attrs
            .iter()
            .partition(|attr| matches!(attr.style, syn::AttrStyle::Outer));
        let callsite = self.callsite();
        let body = match self.shape.body {
            Body::Sync => self.sync_body(),
            Body::AsyncFn => self.async_fn_body(),
            Body::AsyncBlock | Body::BoxPin => self.returned_future_body(),
        };
        quote! {
            #(#outer)*
            #vis #sig {
                #(#inner)*
                #callsite
                #body
            }
        }
    }

    /// `static __TRACED_CALLSITE: Callsite = ..;`
    fn callsite(&self) -> TokenStream {
        let private = &self.private;
        let sig = &self.shape.func.sig;
        let name = match &self.args.name {
            Some(name) => name.value.value(),
            None => sig.ident.unraw().to_string(),
        };
        let target = match &self.args.target {
            Some(target) => target.value.to_token_stream(),
            None => quote!(::core::module_path!()),
        };
        let level = format_ident!(
            "{}",
            self.args
                .level
                .as_ref()
                .map_or(Level::Info, |l| l.value)
                .variant()
        );
        let enter_message = format!("enter {name}");
        let span = self.args.span.is_some();
        let root = self.args.root.is_some();
        // `line!()` under the function name's span reports the line of the signature.
        quote_spanned! {sig.ident.span()=>
            static __TRACED_METHOD_ENTRY: #private::MethodEntry = #private::MethodEntry::new();
            static __TRACED_CALLSITE: #private::Callsite = #private::Callsite {
                name: #name,
                enter_message: #enter_message,
                method_entry: &__TRACED_METHOD_ENTRY,
                target: #target,
                module_path: ::core::module_path!(),
                file: ::core::file!(),
                line: ::core::line!(),
                level: #private::log::Level::#level,
                span: #span,
                root: #root,
            };
        }
    }

    /// `[("key", field_value(&(expr))), ..]`, or `()` without `fields(...)`.
    fn setup(&self) -> TokenStream {
        let private = &self.private;
        match &self.args.fields {
            None => quote!(()),
            Some(fields) => {
                let entries = fields.value.iter().map(|field| {
                    let name = &field.name;
                    let value = &field.value;
                    // Under the sigil (or the value), so that a missing `Display` / `Debug` is
                    // reported there.
                    let value = match field.format {
                        Format::Display => {
                            quote_spanned!(field.format_span=> #private::field_value(&(#value)))
                        }
                        Format::Debug => {
                            quote_spanned!(field.format_span=> #private::field_debug(&(#value)))
                        }
                    };
                    quote!((#name, #value))
                });
                quote!([#(#entries),*])
            }
        }
    }

    /// The statement that logs the entry line (with the arguments under `args` / `skip`).
    fn log_entry(&self) -> TokenStream {
        let self_type = &self.self_type;
        if !self.args.logs_args() {
            return quote!(__TRACED_CALLSITE.log_entry(#self_type););
        }
        let private = &self.private;
        let skipped = self.args.skip.as_ref().map_or(&[][..], |s| &s.value[..]);
        let listed = self.shape.arg_names().into_iter().filter(|name| {
            let name = name.unraw();
            !skipped.iter().any(|s| s.unraw() == name)
        });
        let entries = listed.map(|ident| {
            let key = ident.unraw().to_string();
            let value = quote_spanned!(ident.span()=> #private::debug(&#ident));
            quote!((#key, #value))
        });
        quote! {
            if __TRACED_CALLSITE.enabled() {
                __TRACED_CALLSITE.log_entry_args(#self_type, &[#(#entries),*]);
            }
        }
    }

    /// The type the body produces, for `call::<T, _>` / `expect_output::<T, _>`; `impl Trait`
    /// parts become `_`.
    fn output_type(&self) -> TokenStream {
        match self.shape.output {
            Output::Unit => quote!(()),
            Output::Unknown => quote!(_),
            Output::Type(Type::Never(_)) => quote!(_),
            Output::Type(ty) => {
                let mut ty = ty.clone();
                InferImplTrait.visit_type_mut(&mut ty);
                ty.to_token_stream()
            }
        }
    }

    /// `let __traced_start = ..;` for `exit`.
    fn start_timer(&self) -> TokenStream {
        if self.args.exit.is_some() {
            quote!(let __traced_start = __TRACED_CALLSITE.exit_timer();)
        } else {
            quote!()
        }
    }

    /// Logs the exit line from `__traced_ret` (`exit`, `ret`, `err`).
    fn log_exit(&self) -> TokenStream {
        let private = &self.private;
        let self_type = &self.self_type;
        let start = if self.args.exit.is_some() {
            quote!(__traced_start)
        } else {
            quote!(::core::option::Option::None)
        };
        // Helper calls carry the option's span, so that a missing `Debug` / `Display` / `Result`
        // is reported under `ret` / `err`.
        let some_ret = |value: &str| match self.args.ret {
            Some(ret) => {
                let value = syn::Ident::new(value, ret);
                quote_spanned!(ret=> ::core::option::Option::Some(#private::debug(&#value)))
            }
            None => quote!(::core::option::Option::None),
        };
        let exit_line = self.args.exit.is_some() || self.args.ret.is_some();
        match self.args.err {
            Some(err) => {
                let ok_ret = some_ret("__traced_ok");
                let on_ok = if exit_line {
                    quote!(__TRACED_CALLSITE.log_exit(#self_type, #start, #ok_ret);)
                } else {
                    quote!()
                };
                let ret = syn::Ident::new("__traced_ret", err);
                let as_result = quote_spanned!(err=> #private::TracedResult::as_result(&#ret));
                let display = quote_spanned!(err=> #private::display(__traced_err));
                quote_spanned! {err=>
                    match #as_result {
                        ::core::result::Result::Ok(__traced_ok) => {
                            let _ = __traced_ok;
                            #on_ok
                        }
                        ::core::result::Result::Err(__traced_err) => {
                            __TRACED_CALLSITE.log_error(#self_type, #start, #display);
                        }
                    }
                }
            }
            None => {
                let ret = some_ret("__traced_ret");
                quote!(__TRACED_CALLSITE.log_exit(#self_type, #start, #ret);)
            }
        }
    }

    /// Body of a sync fn.
    fn sync_body(&self) -> TokenStream {
        let private = &self.private;
        let args = self.args;
        let block = &self.shape.func.block;
        let self_type = &self.self_type;
        let plain_entry = args.root.is_none() && args.fields.is_none() && !args.logs_args();
        let enter = if plain_entry {
            quote!(let __traced_guard = #private::enter_sync(&__TRACED_CALLSITE, #self_type);)
        } else {
            let open = if args.root.is_none() && args.fields.is_none() {
                quote!(#private::open_sync(&__TRACED_CALLSITE))
            } else {
                let setup = self.setup();
                quote!(#private::enter_sync_full(&__TRACED_CALLSITE, #setup))
            };
            let log_entry = self.log_entry();
            quote! {
                let __traced_guard = #open;
                #log_entry
            }
        };
        if !args.watches_exit() {
            // The body's statements, not its block: a block as the tail of the new body makes
            // `unused_braces` fire on a one-line body (the braces carry the user's spans). The
            // guard is declared first, so it still drops after the body's locals.
            let stmts = &block.stmts;
            return quote! {
                #enter
                #(#stmts)*
            };
        }
        let output = self.output_type();
        let start = self.start_timer();
        let log_exit = self.log_exit();
        let call = quote_spanned!(block.span()=> #private::call::<#output, _>(move || #block));
        quote! {
            #enter
            #start
            let __traced_ret = #call;
            #log_exit
            __traced_ret
        }
    }

    /// Whether the async shapes need more than `TracedFuture::new` (which handles `span` and
    /// `root` by itself).
    fn async_plain(&self) -> bool {
        self.args.fields.is_none() && !self.args.logs_args() && !self.args.watches_exit()
    }

    /// The traced future around an async body (`async move { .. }` or `async move #block`),
    /// given as tokens of an async block expression. `setup` names the fields value.
    fn traced_future(&self, body: &TokenStream, setup: &TokenStream) -> TokenStream {
        let private = &self.private;
        let self_type = &self.self_type;
        let output = self.output_type();
        if self.async_plain() {
            return quote! {
                #private::TracedFuture::new(
                    &__TRACED_CALLSITE,
                    #self_type,
                    #private::expect_output::<#output, _>(#body),
                )
            };
        }
        let log_entry = self.log_entry();
        let inner = if self.args.watches_exit() {
            let start = self.start_timer();
            let log_exit = self.log_exit();
            quote! {
                async move {
                    #log_entry
                    #start
                    let __traced_ret = #private::expect_output::<#output, _>(#body).await;
                    #log_exit
                    __traced_ret
                }
            }
        } else {
            quote! {
                #private::expect_output::<#output, _>(async move {
                    #log_entry
                    #body.await
                })
            }
        };
        quote! {
            #private::TracedFuture::with_setup(&__TRACED_CALLSITE, #setup, #inner)
        }
    }

    /// Body of an `async fn`: runs at first poll, where the caller's context is current.
    fn async_fn_body(&self) -> TokenStream {
        let block = &self.shape.func.block;
        let body = quote_spanned!(block.span()=> async move #block);
        let (fields, setup) = self.fields_binding();
        let future = self.traced_future(&body, &setup);
        quote! {
            #fields
            #future.await
        }
    }

    /// Body of a fn that returns `async move { .. }` or `Box::pin(async move { .. })`: the
    /// statements before it run at the call, the returned future is traced.
    fn returned_future_body(&self) -> TokenStream {
        let stmts = &self.shape.func.block.stmts;
        let (last, prefix) = stmts.split_last().expect("shape has a last statement");
        let Stmt::Expr(last, None) = last else {
            unreachable!("FnShape::of matched a tail expression")
        };
        let (fields, setup) = self.fields_binding();
        let tail = match self.shape.body {
            Body::BoxPin => {
                let Expr::Call(call) = last else {
                    unreachable!("FnShape::of matched `Box::pin(..)`")
                };
                let async_block = item::box_pin_async(last).expect("matched by FnShape::of");
                let func = &call.func;
                let future = self.traced_future(&async_block.to_token_stream(), &setup);
                quote!(#func(#future))
            }
            _ => self.traced_future(&last.to_token_stream(), &setup),
        };
        quote! {
            #fields
            #(#prefix)*
            #tail
        }
    }

    /// `let __traced_fields = [..];` evaluated before the body moves the arguments, and the
    /// expression that names it.
    fn fields_binding(&self) -> (TokenStream, TokenStream) {
        if self.args.fields.is_none() {
            return (quote!(), quote!(()));
        }
        let setup = self.setup();
        (
            quote!(let __traced_fields = #setup;),
            quote!(__traced_fields),
        )
    }
}

/// Replaces `impl Trait` with `_` so that a type can be written inside the body.
struct InferImplTrait;

impl VisitMut for InferImplTrait {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(impl_trait) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](impl_trait.impl_token.span),
            });
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}
