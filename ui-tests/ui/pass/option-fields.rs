//! `fields(key = expr, ...)`: expressions may use the arguments (by reference), keys may be
//! identifiers, dotted paths, keywords or string literals.
use traced_runtime::{TraceContext, traced};

struct User {
    id: u64,
    name: String,
}

#[traced(span, fields(user_id = user.id, user.name = user.name, "kind" = "batch", type = 1 + 1))]
fn handle(user: User) -> String {
    let ctx = TraceContext::current().unwrap();
    assert_eq!(ctx.fields().get("user_id"), Some("7"));
    assert_eq!(ctx.fields().get("user.name"), Some("ann"));
    assert_eq!(ctx.fields().get("kind"), Some("batch"));
    assert_eq!(ctx.fields().get("type"), Some("2"));
    user.name
}

#[traced(fields(job = id))]
async fn job(id: u32) -> Option<String> {
    TraceContext::current().and_then(|c| c.fields().get("job").map(str::to_owned))
}

#[traced(fields(job = id), args)]
fn job_future(id: u32) -> impl std::future::Future<Output = u32> {
    async move { id }
}

fn main() {
    assert_eq!(handle(User { id: 7, name: "ann".into() }), "ann");
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(job(3)).as_deref(), Some("3"));
    assert_eq!(rt.block_on(job_future(4)), 4);
}
