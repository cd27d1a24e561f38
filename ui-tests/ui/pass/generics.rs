//! Generics with bounds and `where` clauses, lifetimes, const generics, `impl Trait` in
//! argument and return position.
use std::fmt::{Debug, Display};

use traced_runtime::traced;

#[traced(span, args, ret)]
fn bounded<T: Debug + Clone>(value: T) -> T {
    value.clone()
}

#[traced(span)]
fn with_where<K, V>(k: K, v: &V) -> String
where
    K: Display,
    V: Display + ?Sized,
{
    format!("{k}={v}")
}

#[traced(span, ret)]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[traced(span, exit)]
fn elided(s: &str) -> &str {
    &s[1..]
}

#[traced(span)]
fn const_generic<const N: usize>(xs: [u8; N]) -> usize {
    xs.len() + N
}

#[traced(span, exit)]
fn impl_arg(items: impl IntoIterator<Item = u8>) -> u32 {
    items.into_iter().map(u32::from).sum()
}

#[traced(span, ret)]
fn impl_ret(n: u8) -> impl Display + Debug {
    n * 2
}

#[traced(span, exit)]
fn impl_iter<'a>(xs: &'a [u8]) -> impl Iterator<Item = &'a u8> + 'a {
    xs.iter().filter(|x| **x > 1)
}

#[derive(Debug)]
struct Wrapper<T>(T);

impl<T: Clone + Debug> Wrapper<T> {
    #[traced(span, args, ret)]
    fn get<'s>(&'s self, _hint: &'s str) -> &'s T {
        &self.0
    }
}

fn main() {
    assert_eq!(bounded(vec![1]), vec![1]);
    assert_eq!(with_where(1, "x"), "1=x");
    assert_eq!(longest("ab", "c"), "ab");
    assert_eq!(elided("abc"), "bc");
    assert_eq!(const_generic([1, 2]), 4);
    assert_eq!(impl_arg([1, 2]), 3);
    assert_eq!(impl_ret(2).to_string(), "4");
    assert_eq!(impl_iter(&[1, 2, 3]).count(), 2);
    assert_eq!(*Wrapper(5).get("h"), 5);
}
