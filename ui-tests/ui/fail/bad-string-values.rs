use traced_runtime::traced;

#[traced(crate = "not a path")]
fn f() {}

#[traced(name = "")]
fn g() {}

#[traced(target = " ")]
fn h() {}

fn main() {}
