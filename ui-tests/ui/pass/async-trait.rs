//! `#[async_trait]` methods: the attribute sees `Box::pin(async move { .. })` and traces the
//! boxed future.
use async_trait::async_trait;
use traced_runtime::traced;

#[async_trait]
trait Repo {
    async fn load(&self, id: u32) -> Result<String, String>;
}

struct Db;

#[async_trait]
impl Repo for Db {
    #[traced(span, args, err, exit)]
    async fn load(&self, id: u32) -> Result<String, String> {
        if id == 0 {
            return Err("missing".to_owned());
        }
        let n: u32 = "7".parse().map_err(|_| "bad".to_owned())?;
        Ok(format!("{id}-{n}"))
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        assert_eq!(Db.load(1).await.unwrap(), "1-7");
        assert!(Db.load(0).await.is_err());
    });
}
