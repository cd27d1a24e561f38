//! Every option on one-line bodies (sync and async; free functions, methods, associated
//! functions) under `#![deny(warnings)]`: the expansion must not make rustc's lints (such as
//! `unused_braces`) or clippy's default lints fire on the user's code. Compiled by trybuild in
//! an edition-2024 crate (`ui-tests`) and an edition-2021 one (`ui-tests/edition-2021`), and by
//! `cargo clippy --all-targets` as a test target of both.
#![deny(warnings)]
#![deny(clippy::all)]

fn main() {
    cases::main();
}

// Kept on one line each: `unused_braces` looks only at blocks written on one line.
#[rustfmt::skip]
mod cases {
use traced_runtime::traced;

#[derive(Debug)]
pub(crate) struct S;

#[traced]
fn plain(x: u64) -> u64 { x * 3 }

#[traced]
async fn plain_async(x: u64) -> u64 { x * 3 }

#[traced(span)]
fn span(x: u64) -> u64 { x * 3 }

#[traced(span)]
async fn span_async(x: u64) -> u64 { x * 3 }

#[traced(root)]
fn root(x: u64) -> u64 { x * 3 }

#[traced(root)]
async fn root_async(x: u64) -> u64 { x * 3 }

#[traced(crate = "::traced_runtime")]
fn krate(x: u64) -> u64 { x * 3 }

#[traced(crate = "::traced_runtime")]
async fn krate_async(x: u64) -> u64 { x * 3 }

#[traced(level = "debug", target = "lint", name = "renamed")]
fn level_target_name(x: u64) -> u64 { x * 3 }

#[traced(level = "debug", target = "lint", name = "renamed")]
async fn level_target_name_async(x: u64) -> u64 { x * 3 }

#[traced(fields(x = x))]
fn fields(x: u64) -> u64 { x * 3 }

#[traced(fields(x = x))]
async fn fields_async(x: u64) -> u64 { x * 3 }

#[traced(fields(x))]
fn fields_short(x: u64) -> u64 { x * 3 }

#[traced(fields(x))]
async fn fields_short_async(x: u64) -> u64 { x * 3 }

#[traced(args)]
fn args(x: u64) -> u64 { x * 3 }

#[traced(args)]
async fn args_async(x: u64) -> u64 { x * 3 }

#[traced(skip(x))]
fn skip(x: u64) -> u64 { x * 3 }

#[traced(skip(x))]
async fn skip_async(x: u64) -> u64 { x * 3 }

#[traced(skip_all)]
fn skip_all(x: u64) -> u64 { x * 3 }

#[traced(skip_all)]
async fn skip_all_async(x: u64) -> u64 { x * 3 }

#[traced(exit)]
fn exit(x: u64) -> u64 { x * 3 }

#[traced(exit)]
async fn exit_async(x: u64) -> u64 { x * 3 }

#[traced(ret)]
fn ret(x: u64) -> u64 { x * 3 }

#[traced(ret)]
async fn ret_async(x: u64) -> u64 { x * 3 }

#[traced(err)]
fn err(x: u64) -> Result<u64, String> { Ok(x * 3) }

#[traced(err)]
async fn err_async(x: u64) -> Result<u64, String> { Ok(x * 3) }

#[traced(span, root, level = "warn", fields(x), args, exit, ret, err)]
fn everything(x: u64) -> Result<u64, String> { Ok(x * 3) }

#[traced(span, root, level = "warn", fields(x), args, exit, ret, err)]
async fn everything_async(x: u64) -> Result<u64, String> { Ok(x * 3) }

impl S {
    #[traced]
    fn method_plain(&self, x: u64) -> u64 { x * 3 }

    #[traced]
    async fn method_plain_async(&self, x: u64) -> u64 { x * 3 }

    #[traced]
    fn assoc_plain(x: u64) -> u64 { x * 3 }

    #[traced]
    async fn assoc_plain_async(x: u64) -> u64 { x * 3 }

    #[traced(span)]
    fn method_span(&self, x: u64) -> u64 { x * 3 }

    #[traced(span)]
    async fn method_span_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(span)]
    fn assoc_span(x: u64) -> u64 { x * 3 }

    #[traced(span)]
    async fn assoc_span_async(x: u64) -> u64 { x * 3 }

    #[traced(root)]
    fn method_root(&self, x: u64) -> u64 { x * 3 }

    #[traced(root)]
    async fn method_root_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(root)]
    fn assoc_root(x: u64) -> u64 { x * 3 }

    #[traced(root)]
    async fn assoc_root_async(x: u64) -> u64 { x * 3 }

    #[traced(crate = "::traced_runtime")]
    fn method_krate(&self, x: u64) -> u64 { x * 3 }

    #[traced(crate = "::traced_runtime")]
    async fn method_krate_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(crate = "::traced_runtime")]
    fn assoc_krate(x: u64) -> u64 { x * 3 }

    #[traced(crate = "::traced_runtime")]
    async fn assoc_krate_async(x: u64) -> u64 { x * 3 }

    #[traced(level = "debug", target = "lint", name = "renamed")]
    fn method_level_target_name(&self, x: u64) -> u64 { x * 3 }

    #[traced(level = "debug", target = "lint", name = "renamed")]
    async fn method_level_target_name_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(level = "debug", target = "lint", name = "renamed")]
    fn assoc_level_target_name(x: u64) -> u64 { x * 3 }

    #[traced(level = "debug", target = "lint", name = "renamed")]
    async fn assoc_level_target_name_async(x: u64) -> u64 { x * 3 }

    #[traced(fields(x = x))]
    fn method_fields(&self, x: u64) -> u64 { x * 3 }

    #[traced(fields(x = x))]
    async fn method_fields_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(fields(x = x))]
    fn assoc_fields(x: u64) -> u64 { x * 3 }

    #[traced(fields(x = x))]
    async fn assoc_fields_async(x: u64) -> u64 { x * 3 }

    #[traced(fields(x))]
    fn method_fields_short(&self, x: u64) -> u64 { x * 3 }

    #[traced(fields(x))]
    async fn method_fields_short_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(fields(x))]
    fn assoc_fields_short(x: u64) -> u64 { x * 3 }

    #[traced(fields(x))]
    async fn assoc_fields_short_async(x: u64) -> u64 { x * 3 }

    #[traced(args)]
    fn method_args(&self, x: u64) -> u64 { x * 3 }

    #[traced(args)]
    async fn method_args_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(args)]
    fn assoc_args(x: u64) -> u64 { x * 3 }

    #[traced(args)]
    async fn assoc_args_async(x: u64) -> u64 { x * 3 }

    #[traced(skip(x))]
    fn method_skip(&self, x: u64) -> u64 { x * 3 }

    #[traced(skip(x))]
    async fn method_skip_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(skip(x))]
    fn assoc_skip(x: u64) -> u64 { x * 3 }

    #[traced(skip(x))]
    async fn assoc_skip_async(x: u64) -> u64 { x * 3 }

    #[traced(skip_all)]
    fn method_skip_all(&self, x: u64) -> u64 { x * 3 }

    #[traced(skip_all)]
    async fn method_skip_all_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(skip_all)]
    fn assoc_skip_all(x: u64) -> u64 { x * 3 }

    #[traced(skip_all)]
    async fn assoc_skip_all_async(x: u64) -> u64 { x * 3 }

    #[traced(exit)]
    fn method_exit(&self, x: u64) -> u64 { x * 3 }

    #[traced(exit)]
    async fn method_exit_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(exit)]
    fn assoc_exit(x: u64) -> u64 { x * 3 }

    #[traced(exit)]
    async fn assoc_exit_async(x: u64) -> u64 { x * 3 }

    #[traced(ret)]
    fn method_ret(&self, x: u64) -> u64 { x * 3 }

    #[traced(ret)]
    async fn method_ret_async(&self, x: u64) -> u64 { x * 3 }

    #[traced(ret)]
    fn assoc_ret(x: u64) -> u64 { x * 3 }

    #[traced(ret)]
    async fn assoc_ret_async(x: u64) -> u64 { x * 3 }

    #[traced(err)]
    fn method_err(&self, x: u64) -> Result<u64, String> { Ok(x * 3) }

    #[traced(err)]
    async fn method_err_async(&self, x: u64) -> Result<u64, String> { Ok(x * 3) }

    #[traced(err)]
    fn assoc_err(x: u64) -> Result<u64, String> { Ok(x * 3) }

    #[traced(err)]
    async fn assoc_err_async(x: u64) -> Result<u64, String> { Ok(x * 3) }

    #[traced(span, root, level = "warn", fields(x), args, exit, ret, err)]
    fn method_everything(&self, x: u64) -> Result<u64, String> { Ok(x * 3) }

    #[traced(span, root, level = "warn", fields(x), args, exit, ret, err)]
    async fn method_everything_async(&self, x: u64) -> Result<u64, String> { Ok(x * 3) }

    #[traced(span, root, level = "warn", fields(x), args, exit, ret, err)]
    fn assoc_everything(x: u64) -> Result<u64, String> { Ok(x * 3) }

    #[traced(span, root, level = "warn", fields(x), args, exit, ret, err)]
    async fn assoc_everything_async(x: u64) -> Result<u64, String> { Ok(x * 3) }

}

#[traced(span, args, exit, ret)]
fn returns_future(x: u64) -> impl std::future::Future<Output = u64> { async move { x * 3 } }

#[traced(span, args, exit, ret)]
fn returns_box_pin(x: u64) -> std::pin::Pin<Box<dyn std::future::Future<Output = u64>>> { Box::pin(async move { x * 3 }) }

#[traced]
fn empty() {}

#[traced(span, exit)]
fn empty_exit() {}

#[traced(span, exit)]
async fn empty_async() {}

#[traced(span)]
fn unit_statement(x: u64) { assert!(x > 0); }

pub(crate) fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(plain(1), 3);
    assert_eq!(rt.block_on(plain_async(1)), 3);
    assert_eq!(S.method_plain(1), 3);
    assert_eq!(rt.block_on(S.method_plain_async(1)), 3);
    assert_eq!(S::assoc_plain(1), 3);
    assert_eq!(rt.block_on(S::assoc_plain_async(1)), 3);
    assert_eq!(span(1), 3);
    assert_eq!(rt.block_on(span_async(1)), 3);
    assert_eq!(S.method_span(1), 3);
    assert_eq!(rt.block_on(S.method_span_async(1)), 3);
    assert_eq!(S::assoc_span(1), 3);
    assert_eq!(rt.block_on(S::assoc_span_async(1)), 3);
    assert_eq!(root(1), 3);
    assert_eq!(rt.block_on(root_async(1)), 3);
    assert_eq!(S.method_root(1), 3);
    assert_eq!(rt.block_on(S.method_root_async(1)), 3);
    assert_eq!(S::assoc_root(1), 3);
    assert_eq!(rt.block_on(S::assoc_root_async(1)), 3);
    assert_eq!(krate(1), 3);
    assert_eq!(rt.block_on(krate_async(1)), 3);
    assert_eq!(S.method_krate(1), 3);
    assert_eq!(rt.block_on(S.method_krate_async(1)), 3);
    assert_eq!(S::assoc_krate(1), 3);
    assert_eq!(rt.block_on(S::assoc_krate_async(1)), 3);
    assert_eq!(level_target_name(1), 3);
    assert_eq!(rt.block_on(level_target_name_async(1)), 3);
    assert_eq!(S.method_level_target_name(1), 3);
    assert_eq!(rt.block_on(S.method_level_target_name_async(1)), 3);
    assert_eq!(S::assoc_level_target_name(1), 3);
    assert_eq!(rt.block_on(S::assoc_level_target_name_async(1)), 3);
    assert_eq!(fields(1), 3);
    assert_eq!(rt.block_on(fields_async(1)), 3);
    assert_eq!(S.method_fields(1), 3);
    assert_eq!(rt.block_on(S.method_fields_async(1)), 3);
    assert_eq!(S::assoc_fields(1), 3);
    assert_eq!(rt.block_on(S::assoc_fields_async(1)), 3);
    assert_eq!(fields_short(1), 3);
    assert_eq!(rt.block_on(fields_short_async(1)), 3);
    assert_eq!(S.method_fields_short(1), 3);
    assert_eq!(rt.block_on(S.method_fields_short_async(1)), 3);
    assert_eq!(S::assoc_fields_short(1), 3);
    assert_eq!(rt.block_on(S::assoc_fields_short_async(1)), 3);
    assert_eq!(args(1), 3);
    assert_eq!(rt.block_on(args_async(1)), 3);
    assert_eq!(S.method_args(1), 3);
    assert_eq!(rt.block_on(S.method_args_async(1)), 3);
    assert_eq!(S::assoc_args(1), 3);
    assert_eq!(rt.block_on(S::assoc_args_async(1)), 3);
    assert_eq!(skip(1), 3);
    assert_eq!(rt.block_on(skip_async(1)), 3);
    assert_eq!(S.method_skip(1), 3);
    assert_eq!(rt.block_on(S.method_skip_async(1)), 3);
    assert_eq!(S::assoc_skip(1), 3);
    assert_eq!(rt.block_on(S::assoc_skip_async(1)), 3);
    assert_eq!(skip_all(1), 3);
    assert_eq!(rt.block_on(skip_all_async(1)), 3);
    assert_eq!(S.method_skip_all(1), 3);
    assert_eq!(rt.block_on(S.method_skip_all_async(1)), 3);
    assert_eq!(S::assoc_skip_all(1), 3);
    assert_eq!(rt.block_on(S::assoc_skip_all_async(1)), 3);
    assert_eq!(exit(1), 3);
    assert_eq!(rt.block_on(exit_async(1)), 3);
    assert_eq!(S.method_exit(1), 3);
    assert_eq!(rt.block_on(S.method_exit_async(1)), 3);
    assert_eq!(S::assoc_exit(1), 3);
    assert_eq!(rt.block_on(S::assoc_exit_async(1)), 3);
    assert_eq!(ret(1), 3);
    assert_eq!(rt.block_on(ret_async(1)), 3);
    assert_eq!(S.method_ret(1), 3);
    assert_eq!(rt.block_on(S.method_ret_async(1)), 3);
    assert_eq!(S::assoc_ret(1), 3);
    assert_eq!(rt.block_on(S::assoc_ret_async(1)), 3);
    assert_eq!(err(1), Ok(3));
    assert_eq!(rt.block_on(err_async(1)), Ok(3));
    assert_eq!(S.method_err(1), Ok(3));
    assert_eq!(rt.block_on(S.method_err_async(1)), Ok(3));
    assert_eq!(S::assoc_err(1), Ok(3));
    assert_eq!(rt.block_on(S::assoc_err_async(1)), Ok(3));
    assert_eq!(everything(1), Ok(3));
    assert_eq!(rt.block_on(everything_async(1)), Ok(3));
    assert_eq!(S.method_everything(1), Ok(3));
    assert_eq!(rt.block_on(S.method_everything_async(1)), Ok(3));
    assert_eq!(S::assoc_everything(1), Ok(3));
    assert_eq!(rt.block_on(S::assoc_everything_async(1)), Ok(3));
    assert_eq!(rt.block_on(returns_future(1)), 3);
    assert_eq!(rt.block_on(returns_box_pin(1)), 3);
    empty();
    empty_exit();
    rt.block_on(empty_async());
    unit_statement(1);
}
}
