//! `target = "..."`: the log target of the entry line.
use traced_runtime::traced;

#[traced(target = "audit", span)]
fn audited() {}

fn main() {
    audited();
}
