//! The grammar of `fields(...)`, tracing's spelling:
//!
//! ```text
//! fields  := "(" [ field ("," field)* [","] ] ")"
//! field   := key "=" [sigil] expr     user_id = user.id,  "kind" = "batch",  req = ?request
//!          | [sigil] path             user_id,  user.id (key `id`),  %addr,  ?self.state
//! key     := string literal | ident ("." ident)*
//! sigil   := "%" (Display, the default) | "?" (Debug)
//! ```
//!
//! A shorthand field is named after the last segment of its path and takes the path's value, as
//! in `tracing`'s macros. Keys are unique. Nothing here generates code.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Error, Expr, Ident, LitStr, Token};

/// How a field's value becomes the string stored in the context.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Format {
    /// `Display` (no sigil, or `%`).
    Display,
    /// `Debug` (`?`).
    Debug,
}

/// One field of `fields(...)`.
#[derive(Clone)]
pub(crate) struct Field {
    /// The key as it appears in log records (`http.method`, `user_id`).
    pub(crate) name: String,
    pub(crate) value: Expr,
    pub(crate) format: Format,
    /// The sigil's span (the value's for a bare value), for errors about a missing trait.
    pub(crate) format_span: Span,
}

/// Parses `(field, ...)`; the error names the expected form.
pub(crate) fn parse(input: ParseStream<'_>) -> syn::Result<Vec<Field>> {
    if !input.peek(syn::token::Paren) {
        return Err(Error::new(
            input.span(),
            "expected a list of fields: `fields(user_id = user.id, kind = \"batch\")`",
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let mut fields: Vec<Field> = Vec::new();
    while !content.is_empty() {
        let (field, key_span) = field(&content)?;
        if fields.iter().any(|f| f.name == field.name) {
            return Err(Error::new(
                key_span,
                format!("field `{}` set multiple times", field.name),
            ));
        }
        fields.push(field);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(fields)
}

/// One field, and the span of its key (for the repeated-key error).
fn field(input: ParseStream<'_>) -> syn::Result<(Field, Span)> {
    if let Some((format, sigil)) = sigil(input)? {
        // `%path` / `?path`: a shorthand with a format.
        let path = dotted(input).map_err(|_| {
            Error::new(
                input.span(),
                "expected a path after the sigil: `fields(?request)`, `fields(%user.id)`",
            )
        })?;
        if input.peek(Token![=]) {
            return Err(Error::new(
                sigil,
                "the sigil goes before the value, not the key: write `key = ?value`",
            ));
        }
        return shorthand(&path, format, sigil);
    }
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        if lit.value().trim().is_empty() {
            return Err(Error::new(lit.span(), "a field key must not be empty"));
        }
        if !input.peek(Token![=]) {
            return Err(Error::new(
                input.span(),
                format!(
                    "expected `=` and a value after the string key: `{:?} = expr`",
                    lit.value()
                ),
            ));
        }
        let field = valued(input, lit.value())?;
        return Ok((field, lit.span()));
    }
    if !input.peek(Ident::peek_any) {
        return Err(Error::new(
            input.span(),
            "expected a field: `key = expr`, `name` (for `name = name`), or `?name` / `%name`",
        ));
    }
    let path = dotted(input)?;
    if input.peek(Token![=]) {
        let name = path
            .iter()
            .map(|part| part.unraw().to_string())
            .collect::<Vec<_>>()
            .join(".");
        let field = valued(input, name)?;
        return Ok((field, joined_span(&path)));
    }
    let span = joined_span(&path);
    shorthand(&path, Format::Display, span)
}

/// `%` or `?`, when one comes next.
fn sigil(input: ParseStream<'_>) -> syn::Result<Option<(Format, Span)>> {
    if input.peek(Token![%]) {
        Ok(Some((Format::Display, input.parse::<Token![%]>()?.span)))
    } else if input.peek(Token![?]) {
        Ok(Some((Format::Debug, input.parse::<Token![?]>()?.span)))
    } else {
        Ok(None)
    }
}

/// `a.b.c`, keywords allowed (`type = 1` is a valid key).
fn dotted(input: ParseStream<'_>) -> syn::Result<Vec<Ident>> {
    let mut parts = vec![input.call(Ident::parse_any)?];
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        parts.push(input.call(Ident::parse_any)?);
    }
    Ok(parts)
}

/// `= [sigil] expr` after a key.
fn valued(input: ParseStream<'_>, name: String) -> syn::Result<Field> {
    input.parse::<Token![=]>()?;
    let sigil = sigil(input)?;
    let value: Expr = input.parse()?;
    let (format, format_span) = match sigil {
        Some(sigil) => sigil,
        None => (Format::Display, span_of(&value)),
    };
    Ok(Field {
        name,
        value,
        format,
        format_span,
    })
}

/// `a.b.c` without a value: key `c`, value the expression `a.b.c` (its tokens keep their spans,
/// so a missing binding is reported where it was written).
fn shorthand(path: &[Ident], format: Format, format_span: Span) -> syn::Result<(Field, Span)> {
    let last = path.last().expect("`dotted` parses at least one segment");
    let mut tokens = TokenStream::new();
    for (i, part) in path.iter().enumerate() {
        if i > 0 {
            Token![.](part.span()).to_tokens(&mut tokens);
        }
        part.to_tokens(&mut tokens);
    }
    let span = joined_span(path);
    let value = syn::parse2::<Expr>(tokens).map_err(|_| {
        Error::new(
            span,
            format!(
                "`{}` is not a value: give it one, `{} = expr`",
                path_text(path),
                path_text(path)
            ),
        )
    })?;
    let field = Field {
        name: last.unraw().to_string(),
        value,
        format,
        format_span,
    };
    Ok((field, last.span()))
}

fn path_text(path: &[Ident]) -> String {
    path.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn joined_span(path: &[Ident]) -> Span {
    let first = path[0].span();
    let last = path[path.len() - 1].span();
    first.join(last).unwrap_or(first)
}

fn span_of(expr: &Expr) -> Span {
    syn::spanned::Spanned::span(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(tokens: &str) -> syn::Result<Vec<Field>> {
        syn::parse::Parser::parse_str(parse, &format!("({tokens})"))
    }

    fn names_and_formats(tokens: &str) -> Vec<(String, String, Format)> {
        parse_str(tokens)
            .expect("valid")
            .into_iter()
            .map(|f| (f.name, f.value.to_token_stream().to_string(), f.format))
            .collect()
    }

    fn owned(name: &str, value: &str, format: Format) -> (String, String, Format) {
        (name.to_owned(), value.to_owned(), format)
    }

    #[test]
    fn keys_with_values() {
        assert_eq!(
            names_and_formats("a = 1, b.c = x.y, \"d e\" = f(), type = 2, r#match = 3"),
            [
                owned("a", "1", Format::Display),
                owned("b.c", "x . y", Format::Display),
                owned("d e", "f ()", Format::Display),
                owned("type", "2", Format::Display),
                owned("match", "3", Format::Display),
            ]
        );
    }

    #[test]
    fn shorthand_is_named_after_the_last_segment() {
        assert_eq!(
            names_and_formats("x, user.id, self.state.kind"),
            [
                owned("x", "x", Format::Display),
                owned("id", "user . id", Format::Display),
                owned("kind", "self . state . kind", Format::Display),
            ]
        );
    }

    #[test]
    fn sigils_choose_display_or_debug() {
        assert_eq!(
            names_and_formats("a = %x, b = ?y.z, ?req, %user.name, c = x"),
            [
                owned("a", "x", Format::Display),
                owned("b", "y . z", Format::Debug),
                owned("req", "req", Format::Debug),
                owned("name", "user . name", Format::Display),
                owned("c", "x", Format::Display),
            ]
        );
        assert!(parse_str("").expect("empty").is_empty());
        assert_eq!(parse_str("a,").expect("trailing comma").len(), 1);
    }

    #[test]
    fn rejects_misuse_with_a_message_naming_the_fix() {
        let message = |tokens: &str| parse_str(tokens).err().map(|e| e.to_string());
        assert_eq!(
            message("a = 1, a = 2").as_deref(),
            Some("field `a` set multiple times")
        );
        assert_eq!(
            message("x.a, a").as_deref(),
            Some("field `a` set multiple times"),
            "a shorthand's key is its last segment"
        );
        assert!(message("\"k\"").unwrap().starts_with("expected `=`"));
        assert!(
            message("?a = 1")
                .unwrap()
                .starts_with("the sigil goes before")
        );
        assert!(message("?1").unwrap().starts_with("expected a path after"));
        assert_eq!(
            message("type").as_deref(),
            Some("`type` is not a value: give it one, `type = expr`")
        );
        assert!(message("1").unwrap().starts_with("expected a field"));
    }
}
