use clap::Parser;
use std::process::ExitCode;

/// The static musl builds use mimalloc: musl's allocator is slow for the queue and import.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `reviewdesk queue | head` should end quietly, as other command-line tools do, not panic
    // on a closed pipe.
    #[cfg(unix)]
    // SAFETY: setting a signal disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = reviewdesk::cli::Cli::parse();
    match reviewdesk::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line a person can act on; the cause chain follows only when there is one.
            let mut msg = format!("错误 error: {e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!(" ← {cause}"));
            }
            // A message may quote a file name, a cell or a bundle entry: nothing in it may steer
            // the terminal.
            eprintln!("{}", reviewdesk::domain::text::printable_lines(&msg));
            ExitCode::FAILURE
        }
    }
}
