//! `#[traced]` on an `impl` block or a trait definition: which of its fns the block's options
//! instrument, and what those options become on each of them. Each picked fn is then expanded
//! exactly as if it carried the attribute itself (`expand::function`).
//!
//! - A fn with a body is picked: sync or async, method or associated fn, generic or not (in a
//!   trait definition, the fns with a default body).
//! - A fn with its own `#[traced(..)]` (any path ending in `traced`) keeps it: its options
//!   replace the block's, and it expands itself.
//! - A fn marked `#[traced(off)]` loses the marker and is left as written.
//! - `const fn`s, fns without a body, `default fn`s (specialization) and items that are not fns
//!   (consts, types, macro invocations, so also fns a `macro_rules!` call would generate) are
//!   left as written.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, ImplItem, ItemFn, ItemImpl, ItemTrait, ReturnType, TraitItem, Type};

use crate::args::Args;
use crate::item::{FnShape, Output};

/// The annotated block, its `off` markers removed, and which of its items are traced.
pub(crate) struct Block {
    item: Item,
    /// Indices into the block's items of the fns the block's options instrument.
    picked: Vec<usize>,
}

enum Item {
    Impl(ItemImpl),
    Trait(ItemTrait),
}

impl Block {
    /// An `impl` block.
    pub(crate) fn of_impl(mut block: ItemImpl) -> Self {
        let mut picked = Vec::new();
        for (index, item) in block.items.iter_mut().enumerate() {
            if let ImplItem::Fn(func) = item {
                let constant = func.sig.constness.is_some() || func.defaultness.is_some();
                if pick(&mut func.attrs) && !constant {
                    picked.push(index);
                }
            }
        }
        Self {
            item: Item::Impl(block),
            picked,
        }
    }

    /// A trait definition.
    pub(crate) fn of_trait(mut block: ItemTrait) -> Self {
        let mut picked = Vec::new();
        for (index, item) in block.items.iter_mut().enumerate() {
            if let TraitItem::Fn(func) = item {
                let constant = func.sig.constness.is_some() || func.default.is_none();
                if pick(&mut func.attrs) && !constant {
                    picked.push(index);
                }
            }
        }
        Self {
            item: Item::Trait(block),
            picked,
        }
    }

    /// The picked fns, as the free-standing functions the attribute would see on each.
    pub(crate) fn functions(&self) -> Vec<ItemFn> {
        self.picked
            .iter()
            .map(|&index| match &self.item {
                Item::Impl(block) => {
                    let ImplItem::Fn(func) = &block.items[index] else {
                        unreachable!("picked items are fns")
                    };
                    ItemFn {
                        attrs: func.attrs.clone(),
                        vis: func.vis.clone(),
                        sig: func.sig.clone(),
                        block: Box::new(func.block.clone()),
                    }
                }
                Item::Trait(block) => {
                    let TraitItem::Fn(func) = &block.items[index] else {
                        unreachable!("picked items are fns")
                    };
                    ItemFn {
                        attrs: func.attrs.clone(),
                        vis: syn::Visibility::Inherited,
                        sig: func.sig.clone(),
                        block: Box::new(func.default.clone().expect("picked fns have a body")),
                    }
                }
            })
            .collect()
    }

    /// The block with each picked fn replaced by its expansion (in the order of
    /// [`Block::functions`]).
    pub(crate) fn with(mut self, expansions: Vec<TokenStream>) -> TokenStream {
        for (&index, tokens) in self.picked.iter().zip(expansions) {
            match &mut self.item {
                Item::Impl(block) => block.items[index] = ImplItem::Verbatim(tokens),
                Item::Trait(block) => block.items[index] = TraitItem::Verbatim(tokens),
            }
        }
        self.into_token_stream()
    }
}

impl ToTokens for Block {
    /// The block as written, without its `off` markers.
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match &self.item {
            Item::Impl(block) => block.to_tokens(tokens),
            Item::Trait(block) => block.to_tokens(tokens),
        }
    }
}

/// Whether the block's options apply to a fn with these attributes: not when it carries its own
/// `#[traced(..)]`; not when it is marked `#[traced(off)]`, whose marker is removed here.
fn pick(attrs: &mut Vec<Attribute>) -> bool {
    let Some(index) = attrs.iter().position(is_traced) else {
        return true;
    };
    let off = match &attrs[index].meta {
        syn::Meta::List(list) => list
            .parse_args::<Args>()
            .is_ok_and(|args| args.off.is_some() && args.keys().len() == 1),
        _ => false,
    };
    if off {
        attrs.remove(index);
    }
    false
}

/// `#[traced]`, `#[traced(..)]`, `#[traced_runtime::traced(..)]`, ...
fn is_traced(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "traced")
}

/// The block's options as they apply to one of its fns:
///
/// - `err` only on a fn whose return type is named `Result` or `..Result` (`io::Result<T>`,
///   `anyhow::Result<T>`); the others are left alone;
/// - `exit`, `ret` and `err` not on a fn that never returns (`-> !`);
/// - `ret` and `err` reported under the fn's return type, so that a type that is not `Debug`
///   (or a `..Result` alias that is not one) is an error under the method that has it, not at
///   the block's attribute.
pub(crate) fn options_for(block: &Args, shape: &FnShape<'_>) -> Args {
    let mut args = block.clone();
    if let Output::Type(Type::Never(_)) = shape.output {
        args.exit = None;
        args.ret = None;
        args.err = None;
        return args;
    }
    let returns = match &shape.func.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => shape.func.sig.ident.span(),
    };
    if args.err.is_some() {
        args.err = named_result(shape).then_some(returns);
    }
    if args.ret.is_some() {
        args.ret = Some(returns);
    }
    args
}

/// Whether the type the body produces is spelled `Result<..>` or `SomethingResult<..>`.
fn named_result(shape: &FnShape<'_>) -> bool {
    let Output::Type(Type::Path(path)) = shape.output else {
        return false;
    };
    path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident.to_string().ends_with("Result"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picked(source: &str) -> Vec<String> {
        let block = Block::of_impl(syn::parse_str(source).expect("an impl block"));
        block
            .functions()
            .iter()
            .map(|f| f.sig.ident.to_string())
            .collect()
    }

    #[test]
    fn picks_the_fns_the_block_options_apply_to() {
        assert_eq!(
            picked(
                "impl S {
                    const C: u8 = 1;
                    type T = u8;
                    fn a(&self) {}
                    async fn b() {}
                    const fn c() {}
                    #[traced(span)] fn d(&self) {}
                    #[traced(off)] fn e(&self) {}
                    #[traced_runtime::traced] fn f(&self) {}
                    m!();
                    unsafe fn g(&self) {}
                }"
            ),
            ["a", "b", "g"]
        );
    }

    #[test]
    fn removes_off_markers_and_keeps_own_attributes() {
        let block = Block::of_impl(
            syn::parse_str(
                "impl S { #[traced(off)] #[inline] fn e(&self) {} #[traced(span)] fn d(&self) {} \
                 #[traced(off, span)] fn x(&self) {} }",
            )
            .expect("an impl block"),
        );
        let text = block.into_token_stream().to_string();
        assert!(!text.contains("traced (off)"), "{text}");
        assert!(text.contains("# [inline] fn e"), "{text}");
        assert!(text.contains("# [traced (span)] fn d"), "{text}");
        assert!(
            text.contains("# [traced (off , span)] fn x"),
            "a malformed marker stays, to be reported by the fn's own expansion: {text}"
        );
    }

    #[test]
    fn a_trait_definition_picks_its_default_bodies() {
        let block = Block::of_trait(
            syn::parse_str("trait T { fn a(&self); fn b(&self) {} const fn c() {} }")
                .expect("a trait"),
        );
        let names: Vec<String> = block
            .functions()
            .iter()
            .map(|f| f.sig.ident.to_string())
            .collect();
        assert_eq!(names, ["b"]);
    }

    #[test]
    fn err_applies_to_result_returning_fns_and_ret_points_at_the_return_type() {
        let block: Args = syn::parse_str("span, ret, err, exit").expect("options");
        let options = |source: &str| {
            let func: ItemFn = syn::parse_str(source).expect("a fn");
            let args = options_for(&block, &FnShape::of(&func));
            (args.exit.is_some(), args.ret.is_some(), args.err.is_some())
        };
        assert_eq!(
            options("fn f() -> Result<u8, E> { Ok(1) }"),
            (true, true, true)
        );
        assert_eq!(
            options("fn f() -> io::Result<()> { Ok(()) }"),
            (true, true, true)
        );
        assert_eq!(
            options("async fn f() -> ApiResult<u8> { Ok(1) }"),
            (true, true, true)
        );
        assert_eq!(options("fn f() -> u8 { 1 }"), (true, true, false));
        assert_eq!(
            options("fn f() -> Option<u8> { None }"),
            (true, true, false)
        );
        assert_eq!(options("fn f() {}"), (true, true, false));
        assert_eq!(options("fn f() -> ! { loop {} }"), (false, false, false));
    }
}
