use traced_runtime::traced;

#[traced(span, levle = "debug")]
fn f() {}

fn main() {}
