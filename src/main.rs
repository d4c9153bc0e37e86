#![forbid(unsafe_code)]

use clap::Parser;

/// Exam day is tens of thousands of small requests a second, each allocating
/// and freeing many small buffers across threads: glibc's allocator spent a
/// fifth of the server's time there and fragmented the heap.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "merit=info,warn".into()),
        )
        .init();
    match merit::cli::run(merit::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
