//! The expansion uses absolute paths only: it compiles with `core`, `std`, `log` and
//! `traced_runtime` shadowed by local modules, and the prelude's names shadowed by local items.
#![allow(dead_code, non_camel_case_types, clippy::all)]

mod core {}
mod std {}
mod log {}
mod traced_runtime {}

mod shadowed_prelude {
    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct Result;
    pub struct Ok;
    pub struct Err;
    pub struct Box;
    pub struct String;
    pub trait ToString {}
    pub trait Debug {}
    pub trait Display {}
    pub trait Future {}
    pub fn drop() {}
}

mod app {
    // Unused: that is the point. Nothing in the expansion resolves to these names.
    #[allow(unused_imports)]
    use super::shadowed_prelude::*;

    #[derive(::core::fmt::Debug)]
    pub struct Req(pub u8);

    #[::traced_runtime::traced(span, args, exit, ret, err, fields(id = req.0), level = "debug")]
    pub fn sync_all(req: Req) -> ::core::result::Result<u8, ::std::string::String> {
        ::core::result::Result::Ok(req.0)
    }

    #[::traced_runtime::traced(span)]
    pub fn sync_plain() -> u8 {
        1
    }

    #[::traced_runtime::traced(span, root, args, exit, ret, err, fields(id = req.0))]
    pub async fn async_all(req: Req) -> ::core::result::Result<u8, ::std::string::String> {
        ::core::result::Result::Ok(req.0)
    }

    #[::traced_runtime::traced(span)]
    pub async fn async_plain() -> u8 {
        2
    }

    #[::traced_runtime::traced(span, args, ret)]
    pub fn future(x: u8) -> impl ::core::future::Future<Output = u8> {
        async move { x }
    }

    pub struct S;
    impl S {
        #[::traced_runtime::traced(span, exit)]
        pub fn method(&self) -> u8 {
            3
        }
    }
}

fn main() {
    ::core::assert_eq!(app::sync_all(app::Req(1)), ::core::result::Result::Ok(1));
    ::core::assert_eq!(app::sync_plain(), 1);
    ::core::assert_eq!(app::S.method(), 3);
    let _ = app::async_all(app::Req(1));
    let _ = app::async_plain();
    let _ = app::future(1);
}
