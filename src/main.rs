use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = reviewdesk::cli::Cli::parse();
    match reviewdesk::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line a person can act on; the cause chain follows only when there is one.
            let mut msg = format!("错误 error: {e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!(" ← {cause}"));
            }
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}
