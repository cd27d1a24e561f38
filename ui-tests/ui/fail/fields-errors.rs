use traced_runtime::traced;

struct Id;

#[traced(fields(id = Id))]
fn not_display() {}

#[traced(fields(a = 1, a = 2))]
fn repeated() {}

#[traced(fields("a"))]
fn no_value() {}

#[traced(fields = "a")]
fn not_a_list() {}

fn main() {}
