// Its own file: rustc leaves out unresolved-name errors in a crate where a macro failed.
use traced_runtime::traced;

#[traced(fields(missing, user.id))]
fn not_a_binding() {}

fn main() {}
