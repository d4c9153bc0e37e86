#![forbid(unsafe_code)]

use clap::Parser;

/// Exam day is tens of thousands of small requests a second, each allocating
/// and freeing many small buffers across threads: glibc's allocator spent a
/// fifth of the server's time there and fragmented the heap.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "merit=info,warn".into()),
        )
        .init();
    let cli = merit::cli::Cli::parse();
    // The load generator shares the machine with the server it measures: one
    // thread drives ten thousand candidates and leaves the other cores to the
    // server.
    let runtime = if cli.is_load_generator() {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    }
    .enable_all()
    .build();
    let result = match runtime {
        Ok(rt) => rt.block_on(merit::cli::run(cli)),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
