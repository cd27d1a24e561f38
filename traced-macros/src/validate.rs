//! Validation: the parsed options checked against each other and against the function they
//! annotate. Every problem is reported, each under its own token; nothing here parses
//! (`args.rs`) or generates code (`expand.rs`).

use syn::Error;
use syn::ext::IdentExt;

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
