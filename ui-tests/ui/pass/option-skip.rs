//! `skip(a, b)`: list the other arguments; skipped ones need no `Debug` (`self` too).
use traced_runtime::traced;

struct Secret(String);
struct Conn;

impl Conn {
    #[traced(skip(self, password), span)]
    fn login(&self, user: &str, password: Secret) -> bool {
        !user.is_empty() && !password.0.is_empty()
    }
}

#[traced(args, skip(r#type))]
fn raw(r#type: Conn, n: u8) -> u8 {
    let _ = r#type;
    n
}

fn main() {
    assert!(Conn.login("ann", Secret("pw".into())));
    assert_eq!(raw(Conn, 1), 1);
}
