//! `fields(x)` is `fields(x = x)`, `fields(a.b)` is `fields(b = a.b)` (named after the last
//! segment), and the `%` / `?` sigils format a value with `Display` / `Debug`, as in tracing.
use traced_runtime::{TraceContext, traced};

#[derive(Debug)]
enum State {
    Ready,
}

struct Request {
    id: u64,
    state: State,
    path: String,
}

fn field(key: &str) -> Option<String> {
    TraceContext::current().and_then(|ctx| ctx.fields().get(key).map(str::to_owned))
}

#[traced(span, fields(user_id, request.id, ?request.state, %request.path, kind = ?State::Ready, n = %user_id))]
fn handle(user_id: u32, request: &Request) {
    assert_eq!(field("user_id").as_deref(), Some("7"));
    assert_eq!(field("id").as_deref(), Some("42"));
    assert_eq!(field("state").as_deref(), Some("Ready"));
    assert_eq!(field("path").as_deref(), Some("/users"));
    assert_eq!(field("kind").as_deref(), Some("Ready"));
    assert_eq!(field("n").as_deref(), Some("7"));
}

struct Service {
    name: &'static str,
    state: State,
}

impl Service {
    #[traced(fields(self.name, ?self.state))]
    async fn call(&self) -> Option<String> {
        Some(format!("{:?} {:?}", field("name")?, field("state")?))
    }
}

fn main() {
    let request = Request { id: 42, state: State::Ready, path: "/users".into() };
    handle(7, &request);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let service = Service { name: "users", state: State::Ready };
    assert_eq!(rt.block_on(service.call()).as_deref(), Some("\"users\" \"Ready\""));
}
