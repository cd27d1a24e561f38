use traced_runtime::traced;

#[traced(level = "verbose")]
fn f() {}

fn main() {}
