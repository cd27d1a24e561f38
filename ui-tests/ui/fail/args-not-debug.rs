use traced_runtime::traced;

struct Secret;

#[traced(args)]
fn f(user: u8, secret: Secret) {
    let _ = (user, secret);
}

fn main() {}
