pub fn run(_: &super::Ctx, _: Args, _: bool) -> anyhow::Result<()> { Ok(()) }
#[derive(Debug, clap::Args)] pub struct Args {}
