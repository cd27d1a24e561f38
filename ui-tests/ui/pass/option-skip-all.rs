//! `skip_all`: no argument listed (the default, spelled out as in `#[instrument(skip_all)]`).
use traced_runtime::traced;

struct NotDebug;

#[traced(skip_all, span)]
fn f(_x: NotDebug) {}

fn main() {
    f(NotDebug);
}
