//! `level = "..."`: every level name, case-insensitive.
use traced_runtime::traced;

#[traced(level = "trace")]
fn t() {}
#[traced(level = "debug")]
fn d() {}
#[traced(level = "info")]
fn i() {}
#[traced(level = "warn", span)]
fn w() {}
#[traced(level = "ERROR")]
async fn e() {}

fn main() {
    t();
    d();
    i();
    w();
    drop(e());
}
