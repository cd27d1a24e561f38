use traced_runtime::traced;

#[traced(skip(pasword, token))]
fn login(user: &str, password: &str) {
    let _ = (user, password);
}

fn main() {}
