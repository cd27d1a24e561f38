//! `#[traced]` on a block composes with `#[async_trait]` above or below it, and with
//! `#[tonic::async_trait]` (tonic re-exports async-trait's attribute; the module below stands in
//! for tonic).
use async_trait::async_trait;
use traced_runtime::traced;

mod tonic {
    pub use async_trait::async_trait;
}

#[async_trait]
trait Greeter {
    async fn greet(&self, name: &str) -> Result<String, String>;
    async fn count(&self) -> usize;
}

struct Above;

#[async_trait]
#[traced(span, args, err, exit)]
impl Greeter for Above {
    async fn greet(&self, name: &str) -> Result<String, String> {
        if name.is_empty() {
            return Err("no name".to_owned());
        }
        Ok(format!("hello {name}"))
    }

    async fn count(&self) -> usize {
        1
    }
}

struct Below;

#[traced(span, args, err, exit)]
#[async_trait]
impl Greeter for Below {
    async fn greet(&self, name: &str) -> Result<String, String> {
        let n: u8 = "1".parse().map_err(|_| "bad".to_owned())?;
        Ok(format!("hello {name} {n}"))
    }

    async fn count(&self) -> usize {
        2
    }
}

struct Tonic;

#[tonic::async_trait]
#[traced(span)]
impl Greeter for Tonic {
    async fn greet(&self, name: &str) -> Result<String, String> {
        Ok(name.to_owned())
    }

    async fn count(&self) -> usize {
        3
    }
}

impl std::fmt::Debug for Above {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Above")
    }
}

impl std::fmt::Debug for Below {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Below")
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().build().unwrap();
    rt.block_on(async {
        assert_eq!(Above.greet("a").await.unwrap(), "hello a");
        assert!(Above.greet("").await.is_err());
        assert_eq!(Below.greet("b").await.unwrap(), "hello b 1");
        assert_eq!(Tonic.greet("c").await.unwrap(), "c");
        assert_eq!(Above.count().await + Below.count().await + Tonic.count().await, 6);
        // The futures are `Send`: they can be spawned.
        tokio::spawn(async { Below.greet("d").await }).await.unwrap().unwrap();
    });
}
