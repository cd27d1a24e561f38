//! The annotated item: accepts functions and methods with a body, and `impl` blocks and trait
//! definitions (whose fns `block.rs` picks), and recognises the shape of a function's body
//! (sync, `async fn`, a returned `async move` block, `Box::pin(async move { .. })`).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{
    Error, Expr, FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Stmt, Type,
    TypeParamBound,
};

/// How the body of the function runs.
pub(crate) enum Body {
    /// A plain function: the body runs during the call.
    Sync,
    /// `async fn`: the body runs when the returned future is polled.
    AsyncFn,
    /// A fn returning a future whose last statement is an `async` block (`-> impl Future`).
    AsyncBlock,
    /// A fn whose last statement is `Box::pin(async move { .. })` (what `#[async_trait]`
    /// generates, and hand-written `Pin<Box<dyn Future>>` returns).
    BoxPin,
}

/// A function accepted by `#[traced]`, with its recognised shape.
pub(crate) struct FnShape<'a> {
    pub(crate) func: &'a ItemFn,
    pub(crate) body: Body,
    /// The type the body produces (the future's output for the async shapes); `None` when it
    /// is `()` written implicitly.
    pub(crate) output: Output<'a>,
}

/// The type produced by the body.
pub(crate) enum Output<'a> {
    /// No return type: `()`.
    Unit,
    /// A written type.
    Type(&'a Type),
    /// A future whose output could not be read from the signature.
    Unknown,
}

/// The error for an attribute placed on an expression (a closure): rustc reports that custom
/// attributes on expressions are unstable; the expansion adds what to do instead and keeps the
/// expression.
pub(crate) fn on_expression(item: &TokenStream) -> Option<TokenStream> {
    let expr = syn::parse2::<Expr>(item.clone()).ok()?;
    let what = match expr {
        Expr::Closure(_) => "a closure: move its body into a `fn` and put the attribute there",
        _ => "an expression: put it on a `fn`",
    };
    let first = item.clone().into_iter().next()?.span();
    let err =
        Error::new(first, format!("#[traced] cannot be applied to {what}")).to_compile_error();
    Some(quote::quote!({ #err; #item }))
}

/// What `#[traced]` annotates.
pub(crate) enum Annotated {
    /// A free function, or a method (an `impl` or trait item parses as a function).
    Fn(ItemFn),
    /// An inherent or trait `impl` block.
    Impl(syn::ItemImpl),
    /// A trait definition (its fns with a default body are traced).
    Trait(syn::ItemTrait),
}

/// Parses the item, accepting functions and methods with a body, `impl` blocks and traits.
pub(crate) fn parse(item: TokenStream) -> syn::Result<Annotated> {
    match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Impl(block)) => Ok(Annotated::Impl(block)),
        Ok(syn::Item::Trait(block)) => Ok(Annotated::Trait(block)),
        Ok(syn::Item::Fn(func)) => {
            if let Some(constness) = &func.sig.constness {
                return Err(Error::new_spanned(
                    constness,
                    "#[traced] cannot be applied to a `const fn`: tracing reads and writes a \
                     thread-local at run time; remove `const` or the attribute",
                ));
            }
            Ok(Annotated::Fn(func))
        }
        Ok(syn::Item::Verbatim(_)) | Err(_) => {
            // A method without a body (`fn f(&self);` in a trait) parses as neither.
            match syn::parse2::<syn::TraitItemFn>(item) {
                Ok(method) if method.default.is_none() => Err(Error::new_spanned(
                    &method.sig.ident,
                    "#[traced] needs a function body: put it on the method's implementation \
                     (or give the trait method a default body), not on a declaration",
                )),
                _ => Err(Error::new(
                    Span::call_site(),
                    "#[traced] can only be applied to functions and methods with a body, `impl` \
                     blocks and traits",
                )),
            }
        }
        Ok(other) => Err(Error::new(
            item_keyword_span(&other),
            format!(
                "#[traced] can only be applied to functions, methods, `impl` blocks and traits, \
                 not to {}",
                item_kind(&other)
            ),
        )),
    }
}

/// The span of the keyword that says what the item is (`struct`, `impl`, ...).
fn item_keyword_span(item: &syn::Item) -> Span {
    match item {
        syn::Item::Struct(i) => i.struct_token.span,
        syn::Item::Enum(i) => i.enum_token.span,
        syn::Item::Union(i) => i.union_token.span,
        syn::Item::Mod(i) => i.mod_token.span,
        syn::Item::Const(i) => i.const_token.span,
        syn::Item::Static(i) => i.static_token.span,
        syn::Item::Type(i) => i.type_token.span,
        syn::Item::Use(i) => i.use_token.span,
        _ => item
            .to_token_stream()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |t| t.span()),
    }
}

fn item_kind(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Struct(_) => "a struct",
        syn::Item::Enum(_) => "an enum",
        syn::Item::Union(_) => "a union",
        syn::Item::Mod(_) => "a module",
        syn::Item::Const(_) => "a const",
        syn::Item::Static(_) => "a static",
        syn::Item::Type(_) => "a type alias",
        syn::Item::Use(_) => "a use declaration",
        _ => "this item",
    }
}

impl<'a> FnShape<'a> {
    /// Recognises the shape of `func`.
    pub(crate) fn of(func: &'a ItemFn) -> Self {
        let written = match &func.sig.output {
            ReturnType::Default => Output::Unit,
            ReturnType::Type(_, ty) => Output::Type(ty),
        };
        if func.sig.asyncness.is_some() {
            return Self {
                func,
                body: Body::AsyncFn,
                output: written,
            };
        }
        let body = match func.block.stmts.last() {
            Some(Stmt::Expr(Expr::Async(_), None)) => Body::AsyncBlock,
            Some(Stmt::Expr(expr, None)) if box_pin_async(expr).is_some() => Body::BoxPin,
            _ => Body::Sync,
        };
        let output = match (&body, written) {
            (Body::Sync, written) => written,
            (_, Output::Type(ty)) => future_output(ty).map_or(Output::Unknown, Output::Type),
            (_, _) => Output::Unknown,
        };
        Self { func, body, output }
    }

    /// The names bound by the arguments, `self` first for methods.
    pub(crate) fn arg_names(&self) -> Vec<Ident> {
        let mut names = Vec::new();
        for arg in &self.func.sig.inputs {
            match arg {
                FnArg::Receiver(receiver) => {
                    names.push(Ident::new("self", receiver.self_token.span));
                }
                FnArg::Typed(typed) => pattern_names(&typed.pat, &mut names),
            }
        }
        names
    }

    /// `Some(reason)` when the body's type is visibly not a `Result` (`()`, a tuple, a
    /// reference, `Option<T>`, `bool`, ...). Aliases such as `io::Result<T>` pass, and so does
    /// any other path: the expansion's trait bound reports those that are not `Result`s.
    pub(crate) fn visibly_not_result(&self) -> Option<String> {
        let ty = match self.output {
            Output::Unit => return Some("it returns `()`".to_owned()),
            Output::Unknown => return None,
            Output::Type(ty) => ty,
        };
        let not = || Some(format!("it returns `{}`", pretty(ty)));
        match ty {
            Type::Tuple(_)
            | Type::Reference(_)
            | Type::Array(_)
            | Type::Slice(_)
            | Type::Ptr(_)
            | Type::Never(_)
            | Type::BareFn(_)
            | Type::TraitObject(_)
            | Type::ImplTrait(_) => not(),
            Type::Paren(inner) => FnShape {
                func: self.func,
                body: Body::Sync,
                output: Output::Type(&inner.elem),
            }
            .visibly_not_result(),
            Type::Path(path) if path.qself.is_none() => {
                let last = path.path.segments.last()?.ident.to_string();
                const NOT_RESULTS: &[&str] = &[
                    "Option", "bool", "char", "str", "String", "Vec", "Box", "u8", "u16", "u32",
                    "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32",
                    "f64",
                ];
                if NOT_RESULTS.contains(&last.as_str()) {
                    not()
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

/// `Box::pin(async move { .. })`: returns the async block's expression.
pub(crate) fn box_pin_async(expr: &Expr) -> Option<&Expr> {
    let Expr::Call(call) = expr else { return None };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let segments = &func.path.segments;
    let n = segments.len();
    if n < 2 || segments[n - 1].ident != "pin" || segments[n - 2].ident != "Box" {
        return None;
    }
    match call.args.first() {
        Some(arg @ Expr::Async(_)) if call.args.len() == 1 => Some(arg),
        _ => None,
    }
}

/// The `T` of a `Future<Output = T>` bound inside `ty` (`impl Future<Output = T> + Send`,
/// `Pin<Box<dyn Future<Output = T> + Send + 'a>>`).
fn future_output(ty: &Type) -> Option<&Type> {
    match ty {
        Type::ImplTrait(t) => bounds_output(t.bounds.iter()),
        Type::TraitObject(t) => bounds_output(t.bounds.iter()),
        Type::Paren(t) => future_output(&t.elem),
        Type::Group(t) => future_output(&t.elem),
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            let PathArguments::AngleBracketed(generics) = &last.arguments else {
                return None;
            };
            generics.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(inner) => future_output(inner),
                _ => None,
            })
        }
        _ => None,
    }
}

fn bounds_output<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<&'a Type> {
    bounds.find_map(|bound| {
        let TypeParamBound::Trait(trait_bound) = bound else {
            return None;
        };
        let last = trait_bound.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(generics) = &last.arguments else {
            return None;
        };
        generics.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// Collects the identifiers a pattern binds (`(a, b)`, `Point { x, y }`, `mut x`, `ref x`).
fn pattern_names(pat: &Pat, names: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(p) => {
            names.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                pattern_names(sub, names);
            }
        }
        Pat::Tuple(p) => p.elems.iter().for_each(|e| pattern_names(e, names)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|e| pattern_names(e, names)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| pattern_names(&f.pat, names)),
        Pat::Slice(p) => p.elems.iter().for_each(|e| pattern_names(e, names)),
        Pat::Reference(p) => pattern_names(&p.pat, names),
        Pat::Type(p) => pattern_names(&p.pat, names),
        Pat::Paren(p) => pattern_names(&p.pat, names),
        _ => {}
    }
}

/// A type as users write it: `Option<u8>` rather than `Option < u8 >`.
fn pretty(ty: &Type) -> String {
    let mut out = ty.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" :: ", "::"),
        (" ,", ","),
        ("& ", "&"),
        ("( ", "("),
        (" )", ")"),
    ] {
        out = out.replace(from, to);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape_of(source: &str, check: impl FnOnce(&FnShape<'_>)) {
        let func: ItemFn = syn::parse_str(source).expect("a fn");
        check(&FnShape::of(&func));
    }

    fn output(shape: &FnShape<'_>) -> Option<String> {
        match shape.output {
            Output::Type(ty) => Some(pretty(ty)),
            Output::Unit => Some("()".to_owned()),
            Output::Unknown => None,
        }
    }

    #[test]
    fn recognises_body_shapes_and_their_output() {
        shape_of("fn f() -> u8 { 1 }", |s| {
            assert!(matches!(s.body, Body::Sync));
            assert_eq!(output(s).as_deref(), Some("u8"));
        });
        shape_of("async fn f() {}", |s| {
            assert!(matches!(s.body, Body::AsyncFn));
            assert_eq!(output(s).as_deref(), Some("()"));
        });
        shape_of(
            "fn f() -> impl Future<Output = Result<u8, E>> + Send { let x = 1; async move { Ok(x) } }",
            |s| {
                assert!(matches!(s.body, Body::AsyncBlock));
                assert_eq!(output(s).as_deref(), Some("Result<u8, E>"));
            },
        );
        shape_of(
            "fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = u8> + Send + 'a>> { Box::pin(async move { 1 }) }",
            |s| {
                assert!(matches!(s.body, Body::BoxPin));
                assert_eq!(output(s).as_deref(), Some("u8"));
            },
        );
        shape_of("fn f() -> impl Future<Output = u8> { ready(1) }", |s| {
            assert!(
                matches!(s.body, Body::Sync),
                "not an async block: traced as a sync call"
            );
        });
    }

    #[test]
    fn names_bound_by_argument_patterns() {
        shape_of(
            "fn f(&self, (a, b): (u8, u8), mut c: u8, _: u8, P { x, y: z }: P, [d, ..]: [u8; 2], ref e: u8) {}",
            |s| {
                let names: Vec<String> = s.arg_names().iter().map(ToString::to_string).collect();
                assert_eq!(names, ["self", "a", "b", "c", "x", "z", "d", "e"]);
            },
        );
    }

    #[test]
    fn visibly_not_result() {
        let reason = |source: &str| {
            let func: ItemFn = syn::parse_str(source).expect("a fn");
            FnShape::of(&func).visibly_not_result()
        };
        assert_eq!(reason("fn f() {}").as_deref(), Some("it returns `()`"));
        assert_eq!(
            reason("fn f() -> Option<u8> { None }").as_deref(),
            Some("it returns `Option<u8>`")
        );
        assert_eq!(
            reason("fn f() -> (u8, u8) { (1, 2) }").as_deref(),
            Some("it returns `(u8, u8)`")
        );
        assert_eq!(reason("fn f() -> Result<u8, E> { Ok(1) }"), None);
        assert_eq!(reason("fn f() -> io::Result<()> { Ok(()) }"), None);
        assert_eq!(
            reason("fn f() -> MyAlias { x }"),
            None,
            "aliases are left to the type checker"
        );
        assert_eq!(
            reason("fn f() -> impl Future<Output = u8> { async move { 1 } }").as_deref(),
            Some("it returns `u8`")
        );
    }
}
