//! Parsing of the `#[traced(...)]` arguments: typed keys, each value stored with its span, a
//! repeated key rejected at its second occurrence. Nothing here checks options against each other
//! or against the item (`validate.rs`), and nothing generates code (`expand.rs`).

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Error, Ident, LitStr, Token};

use crate::fields::{self, Field};

mod kw {
    syn::custom_keyword!(span);
    syn::custom_keyword!(root);
    syn::custom_keyword!(level);
    syn::custom_keyword!(target);
    syn::custom_keyword!(name);
    syn::custom_keyword!(fields);
    syn::custom_keyword!(args);
    syn::custom_keyword!(skip);
    syn::custom_keyword!(skip_all);
    syn::custom_keyword!(exit);
    syn::custom_keyword!(ret);
    syn::custom_keyword!(err);
}

/// A log level named in `level = "..."`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    /// The name of the `log::Level` variant.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Self::Trace => "Trace",
            Self::Debug => "Debug",
            Self::Info => "Info",
            Self::Warn => "Warn",
            Self::Error => "Error",
        }
    }
}

/// A value together with the span of the key that set it.
pub(crate) struct Keyed<T> {
    pub(crate) key: Span,
    pub(crate) value: T,
}

/// The arguments of one `#[traced(...)]`. Each option keeps the span of its key so that later
/// errors can point at it.
#[derive(Default)]
pub(crate) struct Args {
    /// `span`: open a child span.
    pub(crate) span: Option<Span>,
    /// `root`: start a new trace even when one is current.
    pub(crate) root: Option<Span>,
    /// `level = "..."`: level of the entry and exit lines.
    pub(crate) level: Option<Keyed<Level>>,
    /// `target = "..."`: log target of the lines.
    pub(crate) target: Option<Keyed<LitStr>>,
    /// `name = "..."`: the name used in log lines.
    pub(crate) name: Option<Keyed<LitStr>>,
    /// `fields(key = expr, x, ?y, ...)`: user fields for the call's duration.
    pub(crate) fields: Option<Keyed<Vec<Field>>>,
    /// `args`: list the arguments' `Debug` values on the entry line.
    pub(crate) args: Option<Span>,
    /// `skip(a, b)`: list the arguments except these.
    pub(crate) skip: Option<Keyed<Vec<Ident>>>,
    /// `skip_all`: list no argument (the default, spelled out).
    pub(crate) skip_all: Option<Span>,
    /// `exit`: log exit with the elapsed microseconds.
    pub(crate) exit: Option<Span>,
    /// `ret`: log the return value.
    pub(crate) ret: Option<Span>,
    /// `err`: log an `Err(e)` result at ERROR.
    pub(crate) err: Option<Span>,
    /// `crate = "path"`: where `traced_runtime` is found.
    pub(crate) krate: Option<Keyed<syn::Path>>,
}

impl Args {
    /// Whether any argument is listed on the entry line.
    pub(crate) fn logs_args(&self) -> bool {
        self.args.is_some() || self.skip.is_some()
    }

    /// Whether the call's result is inspected (`exit`, `ret` or `err`).
    pub(crate) fn watches_exit(&self) -> bool {
        self.exit.is_some() || self.ret.is_some() || self.err.is_some()
    }
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Self::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::span) {
                flag::<kw::span>(input, &mut args.span, "span")?;
            } else if lookahead.peek(kw::root) {
                flag::<kw::root>(input, &mut args.root, "root")?;
            } else if lookahead.peek(kw::level) {
                let key = input.parse::<kw::level>()?.span;
                let lit = string_value(input, "level", "info")?;
                let level = parse_level(&lit)?;
                set_once(&mut args.level, key, level, "level")?;
            } else if lookahead.peek(kw::target) {
                let key = input.parse::<kw::target>()?.span;
                let lit = string_value(input, "target", "my_app::audit")?;
                non_empty(&lit, "target")?;
                set_once(&mut args.target, key, lit, "target")?;
            } else if lookahead.peek(kw::name) {
                let key = input.parse::<kw::name>()?.span;
                let lit = string_value(input, "name", "handle_request")?;
                non_empty(&lit, "name")?;
                set_once(&mut args.name, key, lit, "name")?;
            } else if lookahead.peek(kw::fields) {
                let key = input.parse::<kw::fields>()?.span;
                let fields = fields::parse(input)?;
                set_once(&mut args.fields, key, fields, "fields")?;
            } else if lookahead.peek(kw::args) {
                flag::<kw::args>(input, &mut args.args, "args")?;
            } else if lookahead.peek(kw::skip) {
                let key = input.parse::<kw::skip>()?.span;
                let names = parse_skip(input)?;
                set_once(&mut args.skip, key, names, "skip")?;
            } else if lookahead.peek(kw::skip_all) {
                flag::<kw::skip_all>(input, &mut args.skip_all, "skip_all")?;
            } else if lookahead.peek(kw::exit) {
                flag::<kw::exit>(input, &mut args.exit, "exit")?;
            } else if lookahead.peek(kw::ret) {
                flag::<kw::ret>(input, &mut args.ret, "ret")?;
            } else if lookahead.peek(kw::err) {
                flag::<kw::err>(input, &mut args.err, "err")?;
            } else if lookahead.peek(Token![crate]) {
                let key = input.parse::<Token![crate]>()?.span;
                let lit = string_value(input, "crate", "my_facade::traced_runtime")?;
                let path = lit.parse_with(syn::Path::parse_mod_style).map_err(|_| {
                    Error::new(
                        lit.span(),
                        format!(
                            "`crate` must name a path such as \"my_facade::traced_runtime\", \
                             not {:?}",
                            lit.value()
                        ),
                    )
                })?;
                set_once(&mut args.krate, key, path, "crate")?;
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

/// Parses a flag key and rejects a value after it (`span = true`).
fn flag<K: Parse + Spanned>(
    input: ParseStream<'_>,
    slot: &mut Option<Span>,
    key: &str,
) -> syn::Result<()> {
    let span = input.parse::<K>()?.span();
    if input.peek(Token![=]) || input.peek(syn::token::Paren) {
        return Err(Error::new(
            input.span(),
            format!("`{key}` is a flag and takes no value: write `{key}` alone"),
        ));
    }
    if slot.is_some() {
        return Err(Error::new(span, format!("`{key}` set multiple times")));
    }
    *slot = Some(span);
    Ok(())
}

/// Records a keyed value, rejecting a repeated key at its second occurrence.
fn set_once<T>(
    slot: &mut Option<Keyed<T>>,
    key_span: Span,
    value: T,
    key: &str,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(Error::new(key_span, format!("`{key}` set multiple times")));
    }
    *slot = Some(Keyed {
        key: key_span,
        value,
    });
    Ok(())
}

/// Parses `= "..."` after `key`; the error names the expected form.
fn string_value(input: ParseStream<'_>, key: &str, example: &str) -> syn::Result<LitStr> {
    let expected = || format!("expected a string literal: `{key} = \"{example}\"`");
    if !input.peek(Token![=]) {
        return Err(Error::new(input.span(), expected()));
    }
    input.parse::<Token![=]>()?;
    if !input.peek(LitStr) {
        return Err(Error::new(input.span(), expected()));
    }
    input.parse()
}

fn non_empty(lit: &LitStr, key: &str) -> syn::Result<()> {
    if lit.value().trim().is_empty() {
        return Err(Error::new(lit.span(), format!("`{key}` must not be empty")));
    }
    Ok(())
}

/// `"trace" | "debug" | "info" | "warn" | "error"`, case-insensitive.
fn parse_level(lit: &LitStr) -> syn::Result<Level> {
    match lit.value().to_ascii_lowercase().as_str() {
        "trace" => Ok(Level::Trace),
        "debug" => Ok(Level::Debug),
        "info" => Ok(Level::Info),
        "warn" => Ok(Level::Warn),
        "error" => Ok(Level::Error),
        _ => Err(Error::new(
            lit.span(),
            format!(
                "unknown level {:?}: expected one of \"trace\", \"debug\", \"info\", \"warn\", \
                 \"error\"",
                lit.value()
            ),
        )),
    }
}

/// `(a, b, self)`.
fn parse_skip(input: ParseStream<'_>) -> syn::Result<Vec<Ident>> {
    if !input.peek(syn::token::Paren) {
        return Err(Error::new(
            input.span(),
            "expected a list of argument names: `skip(password, self)`",
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let names = Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?;
    let mut seen: Vec<Ident> = Vec::new();
    for name in names {
        if seen.iter().any(|s| s == &name) {
            return Err(Error::new(
                name.span(),
                format!("`{name}` skipped multiple times"),
            ));
        }
        seen.push(name);
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: &str) -> syn::Result<Args> {
        syn::parse_str::<Args>(tokens)
    }

    #[test]
    fn parses_every_option() {
        let args = parse(
            "span, root, level = \"Debug\", target = \"t\", name = \"n\", \
             fields(a = 1, b.c = x.y, \"d e\" = f(), type = 2), args, skip(self, r#type), exit, \
             ret, err, crate = \"::my::rt\"",
        )
        .expect("valid");
        assert!(args.span.is_some() && args.root.is_some() && args.args.is_some());
        assert_eq!(args.level.map(|l| l.value), Some(Level::Debug));
        let fields = args.fields.expect("fields").value;
        let names: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a", "b.c", "d e", "type"]);
        let skip: Vec<_> = args
            .skip
            .expect("skip")
            .value
            .iter()
            .map(|i| i.unraw().to_string())
            .collect();
        assert_eq!(skip, ["self", "type"]);
        assert!(args.exit.is_some() && args.ret.is_some() && args.err.is_some());
        assert!(args.krate.is_some());
        assert!(parse("").is_ok());
        assert!(parse("span,").is_ok(), "a trailing comma is accepted");
    }

    #[test]
    fn rejects_misuse_with_a_message_naming_the_fix() {
        let message = |tokens: &str| parse(tokens).err().map(|e| e.to_string());
        assert!(
            message("spam")
                .unwrap()
                .starts_with("expected one of: `span`, `root`")
        );
        assert_eq!(message("ret, ret").unwrap(), "`ret` set multiple times");
        assert_eq!(
            message("name = \"a\", name = \"b\"").unwrap(),
            "`name` set multiple times"
        );
        assert!(
            message("level = \"loud\"")
                .unwrap()
                .starts_with("unknown level \"loud\"")
        );
        assert!(
            message("level = info")
                .unwrap()
                .starts_with("expected a string literal")
        );
        assert!(message("exit = 1").unwrap().contains("is a flag"));
        assert_eq!(message("skip(a, a)").unwrap(), "`a` skipped multiple times");
        assert_eq!(
            message("fields(a = 1, a = 2)").unwrap(),
            "field `a` set multiple times"
        );
        assert!(
            message("crate = \"a b\"")
                .unwrap()
                .contains("must name a path")
        );
        assert!(message("span span").unwrap().contains("expected `,`"));
    }
}
