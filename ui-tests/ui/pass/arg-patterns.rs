//! Argument patterns: tuples, `mut`, `_`, struct patterns, `ref`; with and without `args`.
use traced_runtime::traced;

#[derive(Debug)]
struct Point {
    x: i32,
    y: i32,
}

#[traced(span)]
fn tuple((a, b): (u8, u8)) -> u8 {
    a + b
}

#[traced(span, args)]
fn tuple_logged((a, b): (u8, u8), mut c: u8, _: u8) -> u8 {
    c += 1;
    a + b + c
}

#[traced(span, args, exit)]
fn destructured(Point { x, y: renamed }: Point, [first, ..]: [u8; 3]) -> i32 {
    x + renamed + i32::from(first)
}

#[traced(span, args)]
fn wild(_: u8, _unused: u8) {}

#[traced(span, skip(c))]
fn mutated(mut a: Vec<u8>, c: u8) -> usize {
    a.push(c);
    a.len()
}

fn main() {
    assert_eq!(tuple((1, 2)), 3);
    assert_eq!(tuple_logged((1, 2), 3, 9), 7);
    assert_eq!(destructured(Point { x: 1, y: 2 }, [3, 0, 0]), 6);
    wild(1, 2);
    assert_eq!(mutated(vec![], 1), 1);
}
