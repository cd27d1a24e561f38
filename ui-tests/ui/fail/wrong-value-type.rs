use traced_runtime::traced;

#[traced(level = 3)]
fn f() {}

#[traced(name = handle)]
fn g() {}

#[traced(span = true)]
fn h() {}

fn main() {}
