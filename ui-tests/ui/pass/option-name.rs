//! `name = "..."`: the name in log lines instead of the function's.
use traced_runtime::traced;

struct Api;

impl Api {
    #[traced(name = "GET /users", span)]
    fn get_users(&self) {}
}

#[traced(name = "r#type is fine too")]
fn r#type() {}

fn main() {
    Api.get_users();
    r#type();
}
