//! Validation: the parsed options checked against each other and against the function they
//! annotate. Every problem is reported, each under its own token; nothing here parses
//! (`args.rs`) or generates code (`expand.rs`).

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::visit::Visit;
use syn::{Error, Expr, Ident};

use crate::args::Args;
use crate::item::{FnShape, Output};

/// Checks `args` on the function `shape`: options that conflict (`args` or `skip` with
/// `skip_all`), `skip` names that are not arguments, `exit` / `ret` / `err` on `-> !`, and
/// `err` on a function that visibly returns something other than a `Result`.
pub(crate) fn function(args: &Args, shape: &FnShape<'_>) -> syn::Result<()> {
    let mut errors = options(args);
    if let Some(skip) = &args.skip {
        let known = shape.arg_names();
        for name in &skip.value {
            let unraw = name.unraw();
            if !known.iter().any(|k| k.unraw() == unraw) {
                let list = if known.is_empty() {
                    "the function has no named argument".to_owned()
                } else {
                    let names: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                    format!("the arguments are {}", names.join(", "))
                };
                errors.push(Error::new(
                    name.span(),
                    format!("`skip` names `{name}`, which is not an argument: {list}"),
                ));
            }
        }
    }
    if let Output::Type(syn::Type::Never(_)) = shape.output {
        for (key, name) in [(args.exit, "exit"), (args.ret, "ret"), (args.err, "err")] {
            if let Some(key) = key {
                errors.push(Error::new(
                    key,
                    format!("`{name}` has nothing to log: the function never returns (`-> !`)"),
                ));
            }
        }
    } else if let Some(err) = args.err {
        if let Some(reason) = shape.visibly_not_result() {
            errors.push(Error::new(
                err,
                format!(
                    "`err` needs a function returning `Result<T, E>`, but {reason}; remove `err` \
                     or use `ret`"
                ),
            ));
        }
    }
    combine(errors)
}

/// The options checked against each other, whatever they annotate.
fn options(args: &Args) -> Vec<Error> {
    let mut errors = Vec::new();
    if let Some(off) = args.off {
        if args.keys().len() > 1 {
            errors.push(Error::new(
                off,
                "`off` leaves the function untraced and takes no other option: write \
                 `#[traced(off)]` alone",
            ));
        }
    }
    if args.skip_all.is_some() {
        if let Some(span) = args.args {
            errors.push(Error::new(
                span,
                "`args` conflicts with `skip_all`: `skip_all` lists no argument; remove one of \
                 them",
            ));
        }
        if let Some(skip) = &args.skip {
            errors.push(Error::new(
                skip.key,
                "`skip(...)` conflicts with `skip_all`: remove one of them",
            ));
        }
    }
    errors
}

/// The plain names an expression reads (`x`, `self`, the `a` of `a.b`), also inside macro
/// calls (`format!("{}", a)`): what could be a function's argument.
fn bindings(expr: &Expr) -> Vec<Ident> {
    struct Names(Vec<Ident>);
    impl Visit<'_> for Names {
        fn visit_expr_path(&mut self, expr: &syn::ExprPath) {
            let path = &expr.path;
            if expr.qself.is_none() && path.leading_colon.is_none() && path.segments.len() == 1 {
                self.0.push(path.segments[0].ident.clone());
            }
        }
        fn visit_macro(&mut self, mac: &syn::Macro) {
            names_in_tokens(mac.tokens.clone(), &mut self.0);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_expr(expr);
    names.0
}

/// The identifiers of a macro's tokens that are not a field, a method or a path segment after
/// `.` or `::`.
fn names_in_tokens(tokens: TokenStream, names: &mut Vec<Ident>) {
    let mut after_separator = false;
    for token in tokens {
        let separator =
            matches!(&token, TokenTree::Punct(punct) if matches!(punct.as_char(), '.' | ':'));
        match token {
            TokenTree::Group(group) => names_in_tokens(group.stream(), names),
            TokenTree::Ident(ident) if !after_separator => names.push(ident),
            _ => {}
        }
        after_separator = separator;
    }
}

/// One error holding all of `errors` (each keeps its span), or `Ok` when there is none.
fn combine(errors: Vec<Error>) -> syn::Result<()> {
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            first.extend(errors);
            Err(first)
        }
    }
}

/// Checks the options of a block's `#[traced(..)]` against the fns it instruments (`functions`):
/// the options that only make sense for one signature are errors under their token, saying to
/// put them on the method: `name`, `skip(..)`, a `fields(..)` value that uses an argument of
/// one of the fns (or `self`); and `off`, which leaves one fn out and means nothing on a block.
pub(crate) fn block(args: &Args, functions: &[FnShape<'_>]) -> syn::Result<()> {
    let mut errors = options(args);
    if let Some(name) = &args.name {
        errors.push(Error::new(
            name.key,
            "`name` names one function: on an impl block every method would log the same name; \
             put `#[traced(name = \"..\")]` on the method",
        ));
    }
    if let Some(skip) = &args.skip {
        errors.push(Error::new(
            skip.key,
            "`skip(..)` names the arguments of one signature: put `#[traced(skip(..))]` on the \
             method, or use `args` or `skip_all` on the block",
        ));
    }
    if let Some(off) = args.off {
        errors.push(Error::new(
            off,
            "`off` leaves one fn out of a traced block: put `#[traced(off)]` on that fn; to \
             trace nothing in the block, remove its attribute",
        ));
    }
    if let Some(fields) = &args.fields {
        for field in &fields.value {
            for ident in bindings(&field.value) {
                let owner = functions.iter().find(|shape| {
                    shape
                        .arg_names()
                        .iter()
                        .any(|arg| arg.unraw() == ident.unraw())
                });
                if ident == "self" || owner.is_some() {
                    let whose = match owner {
                        Some(shape) => format!("an argument of `{}`", shape.func.sig.ident),
                        None => "the receiver".to_owned(),
                    };
                    errors.push(Error::new(
                        ident.span(),
                        format!(
                            "`fields(..)` on an impl block cannot use `{ident}`, {whose}: the \
                             block's fields apply to every method; put this field on the method, \
                             `#[traced(fields(..))]`"
                        ),
                    ));
                }
            }
        }
    }
    combine(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(expr: &str) -> Vec<String> {
        let expr: Expr = syn::parse_str(expr).expect("an expression");
        bindings(&expr).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn bindings_are_the_plain_names_an_expression_reads() {
        assert_eq!(names("id"), ["id"]);
        assert_eq!(names("self.region.name"), ["self"]);
        assert_eq!(names("order.id + offset"), ["order", "offset"]);
        assert_eq!(names("\"orders\""), Vec::<String>::new());
        assert_eq!(names("crate::SERVICE"), Vec::<String>::new());
        assert_eq!(names("Self::NAME.len()"), Vec::<String>::new());
        assert_eq!(names("format!(\"{}\", user.name)"), ["user"]);
        assert_eq!(names("f(x)"), ["f", "x"]);
    }

    fn block_errors(options: &str, block: &str) -> Vec<String> {
        let args: Args = syn::parse_str(options).expect("options");
        let block: syn::ItemImpl = syn::parse_str(block).expect("an impl block");
        let functions: Vec<syn::ItemFn> = block
            .items
            .iter()
            .filter_map(|item| match item {
                syn::ImplItem::Fn(f) => Some(syn::ItemFn {
                    attrs: f.attrs.clone(),
                    vis: f.vis.clone(),
                    sig: f.sig.clone(),
                    block: Box::new(f.block.clone()),
                }),
                _ => None,
            })
            .collect();
        let shapes: Vec<FnShape<'_>> = functions.iter().map(FnShape::of).collect();
        match super::block(&args, &shapes) {
            Ok(()) => Vec::new(),
            Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn block_options_that_name_one_signature_are_errors() {
        let block = "impl S { fn get(&self, id: u64) {} fn count() {} }";
        assert_eq!(
            block_errors("span, fields(service = \"s\", n = crate::N), exit", block),
            Vec::<String>::new()
        );
        let errors = block_errors("name = \"x\", skip(id), fields(a = id, b = self.x)", block);
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].starts_with("`name` names one function"));
        assert!(errors[1].starts_with("`skip(..)` names the arguments"));
        assert!(errors[2].contains("cannot use `id`, an argument of `get`"));
        assert!(errors[3].contains("cannot use `self`"));
        assert_eq!(block_errors("off", block).len(), 1);
    }
}
