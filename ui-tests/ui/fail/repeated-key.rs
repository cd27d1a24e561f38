use traced_runtime::traced;

#[traced(level = "debug", span, level = "info")]
fn f() {}

#[traced(span, span)]
fn g() {}

fn main() {}
